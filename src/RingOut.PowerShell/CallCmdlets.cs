using System;
using System.Management.Automation;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>Places a RingOut call: RingCentral rings -From (your phone) first, then connects it to -To.</summary>
    [Cmdlet(VerbsCommon.New, "RingOutCall", HelpUri = "https://github.com/ringout/RingOut.PowerShell/blob/main/docs/RingOut/New-RingOutCall.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(RingOutCall))]
    public sealed class NewRingOutCallCommand : RingOutCmdlet
    {
        /// <summary>The number to call: E.164, or as people write it (+1 650-555-0123, (650) 555-0123, 0044 20 …).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PhoneNumber", "Number", "Destination")]
        [AllowEmptyString]
        [AllowEmptyCollection]
        public string[] To { get; set; }

        /// <summary>The phone rung first (yours). Absent: your default forwarding number.</summary>
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
        [Alias("Caller")]
        [ArgumentCompleter(typeof(ForwardingNumberCompleter))]
        public string From { get; set; }

        /// <summary>The id of one of your forwarding numbers to ring first, instead of -From.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(ForwardingNumberIdCompleter))]
        public string ForwardingNumberId { get; set; }

        /// <summary>The number shown to the called party: one of your numbers with the CallerId feature.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string CallerId { get; set; }

        /// <summary>Ask you to press 1 before the called party is dialled.</summary>
        [Parameter]
        public SwitchParameter PlayPrompt { get; set; }

        /// <summary>The region (ISO 3166, such as GB) that numbers written without a country code belong to. Absent: your extension's home country.</summary>
        [Parameter]
        [ValidatePattern("^[A-Za-z]{2}$")]
        public string DefaultRegion { get; set; }

        /// <summary>The dialling-plan country id; your extension's home country when absent.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string CountryId { get; set; }

        /// <summary>The account: ~ (yours, the default) or its id. Another's needs the admin role.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string AccountId { get; set; } = ApiPaths.Me;

        /// <summary>The extension that places the call: ~ (yours, the default) or its id. Another's needs the admin role.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string ExtensionId { get; set; } = ApiPaths.Me;

        [Parameter]
        public RingCentralSession Session { get; set; }

        private RingCentralSession _session;

        protected override void BeginProcessing() => _session = RequireSession(Session);

        private int _placed;

        protected override void ProcessRecord()
        {
            for (var i = 0; i < To.Length; i++) Place(To[i], To.Length - i - 1);
        }

        private void Place(string toInput, int remainingAfter)
        {
            // Validate every id and number before anything is sent.
            if (!CheckOwner(RingCentralIdKind.AccountId, AccountId, out var account) || !CheckOwner(RingCentralIdKind.ExtensionId, ExtensionId, out var extension)) return;
            var region = DefaultRegion ?? _session.HomeCountry;
            if (!PhoneNumber.TryNormalize(toInput, region, out var to, out var why)) { WriteError(InvalidNumber(nameof(To), toInput, why)); return; }
            string from = null, callerId = null;
            if (!string.IsNullOrWhiteSpace(From) && !PhoneNumber.TryNormalize(From, region, out from, out why)) { WriteError(InvalidNumber(nameof(From), From, why)); return; }
            if (!string.IsNullOrWhiteSpace(CallerId) && !PhoneNumber.TryNormalize(CallerId, region, out callerId, out why)) { WriteError(InvalidNumber(nameof(CallerId), CallerId, why)); return; }

            var request = new RingOutCallRequest
            {
                To = to, From = from, DefaultRegion = region, ForwardingNumberId = string.IsNullOrWhiteSpace(ForwardingNumberId) ? null : ForwardingNumberId.Trim(),
                CallerId = callerId, PlayPrompt = PlayPrompt, CountryId = CountryId, AccountId = account, ExtensionId = extension,
            };
            var fromText = from ?? (request.ForwardingNumberId != null ? "forwarding number " + request.ForwardingNumberId : "your default forwarding number");
            if (!ShouldProcess($"{to} (ringing {fromText} first)", "Place RingOut call")) return;

            ShowPacing(to, remainingAfter);
            try
            {
                var call = Await(ct => _session.PlaceCallAsync(request, ct));
                _placed++;
                SessionMemory.Of(_session).Placed(call);
                WriteObject(call);
            }
            catch (Exception e) when (IsClientFailure(e))
            {
                // Even a dead session is an error for this row only: calls placed earlier are still on their way
                // down the pipeline (to Wait-RingOutCall, say), which must get to write them. Later rows fail at
                // once, without a request.
                WriteError(ErrorFor(e, toInput));
            }
        }

        /// <summary>When RingCentral's limit makes the next call wait, say so, and how long the calls known to remain will take.</summary>
        private void ShowPacing(string to, int remainingAfter)
        {
            var wait = _session.Budget.WaitTime(RingCentralSession.PlaceCallGroup);
            if (wait <= TimeSpan.FromSeconds(1)) return;
            var state = _session.Budget.State(RingCentralSession.PlaceCallGroup);
            var rest = remainingAfter > 0
                ? $"; {remainingAfter} more after it, about {(_session.Budget.EstimateTime(RingCentralSession.PlaceCallGroup, remainingAfter + 1)).TotalMinutes:0.0} min in all"
                : "";
            WriteProgress(new ProgressRecord(1, "Placing RingOut calls",
                $"{_placed} placed; waiting {wait.TotalSeconds:0} s for RingCentral's rate limit ({state.Limit} calls per {state.Window.TotalSeconds:0} s) before calling {to}{rest}")
            {
                SecondsRemaining = (int)Math.Ceiling(wait.TotalSeconds),
            });
        }

        protected override void EndProcessing()
        {
            WriteProgress(new ProgressRecord(1, "Placing RingOut calls", "Done") { RecordType = ProgressRecordType.Completed });
            base.EndProcessing();
        }
    }

    /// <summary>Parameters shared by the cmdlets that act on existing calls: by -Id, or by piped call objects.</summary>
    public abstract class ExistingCallCmdlet : RingOutCmdlet
    {
        protected const string IdSet = "Id", ObjectSet = "InputObject";

        /// <summary>RingCentral's id of the call.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("RingOutId")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(CallIdCompleter))]
        public string[] Id { get; set; }

        /// <summary>Calls written by New-RingOutCall or Get-RingOutCall.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public RingOutCall InputObject { get; set; }

        /// <summary>The account the call belongs to: ~ (yours, the default) or its id.</summary>
        [Parameter(ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string AccountId { get; set; } = ApiPaths.Me;

        /// <summary>The extension that placed the call: ~ (yours, the default) or its id.</summary>
        [Parameter(ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string ExtensionId { get; set; } = ApiPaths.Me;

        /// <summary>The session to use; for piped calls, the session that placed them.</summary>
        [Parameter]
        public RingCentralSession Session { get; set; }

        /// <summary>Each call named by this record: (id, account, extension, session, what to name in errors).</summary>
        protected void ForEachCall(Action<string, string, string, RingCentralSession, object> action)
        {
            // Every id is checked before any request: a value that is not what RingCentral issues never reaches a path.
            if (ParameterSetName == ObjectSet)
            {
                var call = InputObject;
                if (CheckCallId(call.Id, call) && CheckOwner(RingCentralIdKind.AccountId, call.AccountId, out var callAccount) &&
                    CheckOwner(RingCentralIdKind.ExtensionId, call.ExtensionId, out var callExtension))
                    action(call.Id, callAccount, callExtension, Session ?? call.Session ?? RequireSession(null), call);
                return;
            }
            var session = RequireSession(Session);
            if (!CheckOwner(RingCentralIdKind.AccountId, AccountId, out var account) || !CheckOwner(RingCentralIdKind.ExtensionId, ExtensionId, out var extension)) return;
            foreach (var raw in Id)
                if (ApiPaths.TryCallId(raw, out var id, out var why)) action(id, account, extension, session, raw);
                else WriteError(InvalidId(new RingCentralInvalidIdException(RingCentralIdKind.CallId, raw, why), raw));
        }

        private bool CheckCallId(string id, object target)
        {
            if (ApiPaths.TryCallId(id, out _, out var why)) return true;
            WriteError(InvalidId(new RingCentralInvalidIdException(RingCentralIdKind.CallId, id, why), target));
            return false;
        }

        /// <summary>A fresh snapshot of a call; a piped call keeps what its snapshot knew (From, To, when it was placed).</summary>
        protected RingOutCall ReadCall(RingCentralSession session, string id, string account, string extension, object target)
        {
            var call = Await(ct => session.GetCallAsync(id, account, extension, ct));
            return target is RingOutCall known ? known.UpdatedBy(call) : call;
        }

        /// <summary>
        /// Runs <paramref name="action"/> on an existing call, and maps its failure, the one way for every cmdlet:
        /// RingCentral no longer knows it → RingOut.CallNotFound; the session died → a terminating error; any other
        /// client failure → an error for this call. Returns whether the action succeeded.
        /// </summary>
        protected bool OnExistingCall(string id, object target, Action action)
        {
            try
            {
                action();
                return true;
            }
            catch (RingCentralApiException e) when (e.IsNotFound)
            {
                CallNotFound(id, e, target);
            }
            catch (Exception e) when (IsClientFailure(e))
            {
                Fail(e, target);
            }
            return false;
        }

        /// <summary>RingOut.CallNotFound: RingCentral no longer knows the call, which need not mean that it failed.</summary>
        protected void CallNotFound(string id, Exception e, object target) =>
            WriteError(new ErrorRecord(new ItemNotFoundException(
                $"RingCentral no longer knows RingOut call {id}. A RingOut disappears shortly after it is connected or over, so this need not mean that it failed; an id that was never valid looks the same.", e),
                ErrorIds.CallNotFound, ErrorCategory.ObjectNotFound, target));
    }

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
                        var message = $"RingOut call {id} cannot be cancelled: {e.ApiMessage ?? e.Message}";
                        WriteError(new ErrorRecord(new InvalidOperationException(message, e), ErrorIds.CannotCancel, ErrorCategory.InvalidOperation, target)
                        {
                            ErrorDetails = new ErrorDetails(message) { RecommendedAction = "A RingOut can be cancelled only while the called party is still ringing." },
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
