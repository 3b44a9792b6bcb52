using System.Management.Automation;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>A fresh snapshot of RingOut calls.</summary>
    [Cmdlet(VerbsCommon.Get, "RingOutCall", HelpUri = "https://github.com/ringout/RingOut.PowerShell/blob/main/docs/RingOut/Get-RingOutCall.md", DefaultParameterSetName = ObjectSet)]
    [OutputType(typeof(RingOutCall))]
    public sealed class GetRingOutCallCommand : ExistingCallCmdlet
    {
        protected override void ProcessRecord()
        {
            ForEachCall((id, account, extension, session, target) =>
                OnExistingCall(id, target, () => WriteObject(ReadCall(session, id, account, extension, target))));
        }
    }
}
