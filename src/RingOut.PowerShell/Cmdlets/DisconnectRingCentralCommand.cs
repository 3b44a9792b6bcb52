using System;
using System.Management.Automation;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>Revokes the session's tokens and forgets the session.</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "RingCentral", HelpUri = "https://github.com/ringout/RingOut.PowerShell/blob/main/docs/RingOut/Disconnect-RingCentral.md")]
    [OutputType(typeof(void))]
    public sealed class DisconnectRingCentralCommand : RingOutCmdlet
    {
        /// <summary>The session to end; the current one when absent.</summary>
        [Parameter(ValueFromPipeline = true)]
        public RingCentralSession? Session { get; set; }

        protected override void ProcessRecord()
        {
            var session = Session ?? SessionStore.Current;
            if (session == null || !session.IsConnected)
            {
                WriteError(new ErrorRecord(new InvalidOperationException(UserMessages.NothingToDisconnect),
                    ErrorIds.NotConnected, ErrorCategory.InvalidOperation, Session));
                return;
            }
            Await(ct => session.DisconnectAsync(ct));
            SessionStore.Forget(session);
            WriteVerbose($"Disconnected from {session.Server}; its tokens were revoked.");
        }
    }
}
