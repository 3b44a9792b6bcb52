using System.Management.Automation;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>The current session: who and where you are connected, and when its tokens expire. Never a secret.</summary>
    [Cmdlet(VerbsCommon.Get, "RingCentralSession", HelpUri = "https://github.com/ringout/RingOut.PowerShell/blob/main/docs/RingOut/Get-RingCentralSession.md")]
    [OutputType(typeof(RingCentralSession))]
    public sealed class GetRingCentralSessionCommand : PSCmdlet
    {
        protected override void EndProcessing()
        {
            var session = SessionStore.Current;
            if (session != null && session.IsConnected) WriteObject(session);
        }
    }
}
