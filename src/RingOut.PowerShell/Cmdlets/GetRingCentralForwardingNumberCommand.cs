using System;
using System.Management.Automation;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>The user's forwarding numbers: the phones RingOut can ring first.</summary>
    [Cmdlet(VerbsCommon.Get, "RingCentralForwardingNumber", HelpUri = "https://github.com/ringout/RingOut.PowerShell/blob/main/docs/RingOut/Get-RingCentralForwardingNumber.md")]
    [OutputType(typeof(ForwardingNumber))]
    public sealed class GetRingCentralForwardingNumberCommand : RingOutCmdlet
    {
        /// <summary>Only numbers whose label, number or type matches (wildcards allowed).</summary>
        [Parameter(Position = 0)]
        [SupportsWildcards]
        public string? Name { get; set; }

        [Parameter]
        public RingCentralSession? Session { get; set; }

        protected override void EndProcessing()
        {
            var session = RequireSession(Session);
            try
            {
                var numbers = Await(ct => session.GetForwardingNumbersAsync(ct));
                SessionMemory.Of(session).Remember(numbers);
                var pattern = string.IsNullOrEmpty(Name) ? null : new WildcardPattern(Name, WildcardOptions.IgnoreCase);
                foreach (var n in numbers)
                    if (pattern == null || pattern.IsMatch(n.Label ?? "") || pattern.IsMatch(n.PhoneNumber ?? "") || pattern.IsMatch(n.Type ?? ""))
                        WriteObject(n);
            }
            catch (Exception e) when (ErrorMapping.IsClientFailure(e))
            {
                Report(e, Name);
            }
            base.EndProcessing();
        }
    }
}
