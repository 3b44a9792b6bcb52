using System.Management.Automation;

namespace RingOut.Benchmarks.Trivial
{
    /// <summary>The one cmdlet of the trivial module.</summary>
    [Cmdlet(VerbsCommon.Get, "Trivial")]
    [OutputType(typeof(int))]
    public sealed class GetTrivialCommand : Cmdlet
    {
        protected override void ProcessRecord() => WriteObject(1);
    }
}
