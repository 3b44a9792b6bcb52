using System;
using System.Management.Automation;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>Cancels RingOut calls whose called party is still being rung.</summary>
    [Cmdlet(VerbsLifecycle.Stop, "RingOutCall", HelpUri = "https://github.com/ringout/RingOut.PowerShell/blob/main/docs/RingOut/Stop-RingOutCall.md", DefaultParameterSetName = ObjectSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(RingOutCall))]
    public sealed class StopRingOutCallCommand : ExistingCallCmdlet
    {
        /// <summary>Write the call's snapshot after cancelling it.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            ForEachCall((id, account, extension, session, target) =>
            {
                if (!ShouldProcess($"RingOut call {id}", "Cancel")) return;
                OnExistingCall(id, target, () =>
                {
                    try
                    {
                        Await(ct => session.CancelCallAsync(id, account, extension, ct));
                    }
                    catch (RingCentralApiException e) when ((int)e.StatusCode == 400 || (int)e.StatusCode == 409)
                    {
                        var message = Messages.CannotCancel(id, e.ApiMessage ?? e.Message);
                        WriteError(new ErrorRecord(new InvalidOperationException(message, e), ErrorIds.CannotCancel, ErrorCategory.InvalidOperation, target)
                        {
                            ErrorDetails = new ErrorDetails(message) { RecommendedAction = Messages.CancelOnlyWhileRinging },
                        });
                        return;
                    }
                    WriteVerbose($"RingOut call {id} was cancelled.");
                    if (PassThru) WriteObject(ReadCall(session, id, account, extension, target));
                });
            });
        }
    }
}
