using System;
using System.Linq;
using System.Management.Automation;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>
    /// Cancels RingOut calls whose called party is still being rung, and hangs up connected ones through Call
    /// Control. Hanging up ends a live conversation, so it is confirmed as a high-impact action: it asks unless
    /// $ConfirmPreference is None, -Confirm:$false or -Force is given.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "RingOutCall", HelpUri = "https://github.com/ringout/RingOut.PowerShell/blob/main/docs/RingOut/Stop-RingOutCall.md", DefaultParameterSetName = ObjectSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(RingOutCall))]
    public sealed class StopRingOutCallCommand : ExistingCallCmdlet
    {
        /// <summary>Write the call's snapshot after cancelling or hanging it up.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>Hang up connected calls without asking.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            ForEachCall((id, account, extension, session, target) =>
            {
                // Connected when last seen: stopping it is a hang-up through Call Control, and so it is named (at -WhatIf
                // and -Confirm too), once a read has said it still is; ringing, or not seen yet: cancelled.
                if ((target as RingOutCall ?? Known(session, id))?.State == RingOutCallState.Connected)
                {
                    var hungUp = false;
                    if (!OnExistingCall(id, target, () =>
                        {
                            var now = ReadCall(session, id, account, extension, target);
                            if (now.State != RingOutCallState.Connected) return;
                            hungUp = true;
                            HangUp(session, now.To != null ? now : Known(session, id) ?? now, target);
                        }) || hungUp) return;
                }
                if (!ShouldProcess($"RingOut call {id}", "Cancel")) return;
                OnExistingCall(id, target, () =>
                {
                    try
                    {
                        Await(ct => session.CancelCallAsync(id, account, extension, ct));
                    }
                    catch (RingCentralApiException e) when ((int)e.StatusCode == 400 || (int)e.StatusCode == 409)
                    {
                        // Not ringing any more: connected (hang it up), or over (nothing to stop).
                        var now = ReadCall(session, id, account, extension, target);
                        if (now.State == RingOutCallState.Connected)
                        {
                            HangUp(session, now.To != null ? now : Known(session, id) ?? now, target);
                            return;
                        }
                        var message = UserMessages.CannotCancel(id, now.State);
                        WriteError(new ErrorRecord(new InvalidOperationException(message, e), ErrorIds.CannotCancel, ErrorCategory.InvalidOperation, target)
                        {
                            ErrorDetails = new ErrorDetails(message) { RecommendedAction = UserMessages.CancelOnlyWhileRinging },
                        });
                        return;
                    }
                    WriteVerbose($"RingOut call {id} was cancelled.");
                    if (PassThru) WriteObject(ReadCall(session, id, account, extension, target));
                });
            });
        }

        /// <summary>A call placed in this session, as New-RingOutCall wrote it (it knows the number and the time).</summary>
        private static RingOutCall Known(RingCentralSession session, string id) =>
            SessionMemory.Of(session).RecentCalls.FirstOrDefault(c => c.Id == id);

        private void HangUp(RingCentralSession session, RingOutCall call, object target)
        {
            if (!ShouldProcess($"RingOut call {call.Id}{(call.To != null ? " to " + call.To : "")} (connected)", "Hang up through Call Control") || !ConfirmHighImpact(call, out var asked)) return;
            string ended;
            try
            {
                ended = Await(ct => session.HangUpAsync(call, ct));
            }
            catch (Exception e) when (asked && (e is RingCentralApiException { IsNotFound: true } || e is RingOutHangUpException { NotLive: true }))
            {
                // The call went on while the question waited for an answer (RingCentral's clock does not stop for it), and
                // ended by itself: what the user asked for is done, so it is said, not reported as a failure.
                WriteWarning(UserMessages.EndedWhileAsked(call.Id, call.To));
                return;
            }
            WriteVerbose($"RingOut call {call.Id} was hung up (telephony session {ended}).");
            if (PassThru) WriteObject(ReadCall(session, call.Id, call.AccountId, call.ExtensionId, target));
        }

        /// <summary>
        /// What ConfirmImpact High would do for this one action (the cmdlet's own impact stays Medium, so that
        /// cancelling a ringing call asks no more than before): ask, unless $ConfirmPreference is None, or -Confirm:$false
        /// or -Force was given. -Confirm has already asked through ShouldProcess.
        /// </summary>
        // The answers [A] Yes to All and [L] No to All, for the rest of the calls of this pipeline.
        private bool _yesToAll, _noToAll, _prompted;

        private bool ConfirmHighImpact(RingOutCall call, out bool asked)
        {
            asked = false;
            if (Force) return true;
            if (MyInvocation.BoundParameters.TryGetValue("Confirm", out var confirm))
            {
                asked = confirm is SwitchParameter c && c.IsPresent; // -Confirm asked through ShouldProcess; -Confirm:$false does not ask
                return true;
            }
            if (GetVariableValue("ConfirmPreference") is ConfirmImpact pref && pref == ConfirmImpact.None) return true;
            _prompted |= !_yesToAll && !_noToAll; // a question waits for its answer: the calls after it waited too
            asked = _prompted;
            return ShouldContinue(UserMessages.HangUpQuestion(call.Id, call.To), "Hang up a connected call", ref _yesToAll, ref _noToAll);
        }
    }
}
