using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>
    /// Waits on any number of RingOut calls together until each is connected (or can no longer connect), or with
    /// -Until Ended until each is over. Writes each call's final snapshot as it settles, shows every pending call's
    /// legs in a progress bar, keeps polling within RingCentral's rate limit, and stops at once on Ctrl+C.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "RingOutCall", HelpUri = "https://github.com/ringout/RingOut.PowerShell/blob/main/docs/RingOut/Wait-RingOutCall.md", DefaultParameterSetName = ObjectSet)]
    [OutputType(typeof(RingOutCall))]
    public sealed class WaitRingOutCallCommand : ExistingCallCmdlet
    {
        private const int ProgressId = 1;
        // Made at the first call, with that call's session's clock.
        private CallWatcher? _watcher;
        private DateTimeOffset? _deadline;
        private TimeProvider? _clock;
        private CallWatcher Watcher => _watcher ?? throw new InvalidOperationException("No call was followed yet.");
        private TimeProvider Clock => _clock ?? throw new InvalidOperationException("No call was followed yet.");
        private int _total, _settled;
        private readonly List<RingOutCall> _written = new List<RingOutCall>();
        // The calls followed and not yet written, by session and id: read by StopProcessing, on another thread.
        private readonly System.Collections.Concurrent.ConcurrentDictionary<(RingCentralSession, string), RingOutCall> _unwritten =
            new System.Collections.Concurrent.ConcurrentDictionary<(RingCentralSession, string), RingOutCall>();
        private Exception? _sessionEnded;

        /// <summary>Connected (the default): until each call connects, fails or is gone. Ended: until each call is over.</summary>
        [Parameter]
        public RingOutWaitCondition Until { get; set; } = RingOutWaitCondition.Connected;

        /// <summary>Seconds to wait at most, counted from the first call; calls still pending then are named in an error.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Timeout { get; set; }

        /// <summary>Auto (the default): events when the session can subscribe, else polling. Events: through RingCentral's telephony events over its WebSocket gateway; a session that cannot subscribe is an error. Polling: each call is polled; either way a call RingCentral forgot is looked up in the call log.</summary>
        [Parameter]
        public RingOutFollowMode Via { get; set; } = RingOutFollowMode.Auto;

        /// <summary>Seconds between two polls of one call (stretched when many calls share RingCentral's rate limit).</summary>
        [Parameter]
        [ValidateRange(0.5, 3600)]
        public double PollInterval { get; set; } = 3;

        /// <summary>
        /// Subscribes the session to its telephony events before the first call comes: PowerShell begins every command
        /// of a pipeline before any of them processes a record, so calls that New-RingOutCall places into this command
        /// are all placed after the subscription, and every event of theirs is heard. A call placed before it may have
        /// ended unheard, and then its outcome must be found in the call log, a Heavy read that waits behind the
        /// placing of calls. Only for calls that come through the pipeline: calls named by parameters are checked
        /// before any request is sent.
        /// </summary>
        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            var session = Session ?? SessionStore.Current;
            if (!MyInvocation.ExpectingInput || Via == RingOutFollowMode.Polling || session == null || !session.IsConnected) return;
            try
            {
                // Within -Timeout too: a gateway that never answers holds the pipeline no longer than the wait would.
                var until = Timeout > 0 ? session.Clock.GetUtcNow().AddSeconds(Timeout) : (DateTimeOffset?)null;
                Await(ct => session.TelephonyEventsAsync(until, ct));
            }
            catch (Exception e) when (ErrorMapping.EndsSession(e))
            {
                // Said by the first call that comes, as without the early subscription.
            }
        }

        /// <summary>When the call was placed (with -Id, or a PlacedAt column of a CSV, or a call from Import-Clixml): the call is then followed without being read first, and looked up in the call log from that time when RingCentral forgot it.</summary>
        [Parameter(ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        [PlacedAtTransformation]
        public DateTimeOffset? PlacedAt { get; set; }

        /// <summary>The number the call went to (with -PlacedAt): what its call log record is found by.</summary>
        [Parameter(ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        public string? To { get; set; }

        /// <summary>The number rung first, where the call named one (with -PlacedAt): tells apart calls to one number from different phones.</summary>
        [Parameter(ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        public string? From { get; set; }

        protected override void ProcessRecord()
        {
            ForEachCall((id, account, extension, session, target) =>
            {
                string? to = null, from = null;
                if (ParameterSetName == IdSet && (!TryNumber(nameof(To), To, session, out to) || !TryNumber(nameof(From), From, session, out from))) return;
                var call = target as RingOutCall;
                if (call != null && call.Session != session && (!call.IsFinal || call.State == RingOutCallState.Gone))
                {
                    // A call of another session (one that was replaced or ended, or -Session): followed through this
                    // one from what its snapshot knew, and looked up in the call log if RingCentral forgot it.
                    call = session.KnownCall(id, call.To, call.From, call.PlacedAt, account, extension);
                }
                else if (call == null && PlacedAt is DateTimeOffset placedAt)
                {
                    // Placed earlier, perhaps by another process: followed from what was kept, not read first (RingCentral
                    // may have forgotten it: the call log then says what became of it).
                    call = session.KnownCall(id, to, from, placedAt, account, extension);
                }
                else if (call == null || (Session != null && call.Session != Session))
                {
                    if (!OnExistingCall(id, target, () => call = ReadCall(session, id, account, extension, target))) return;
                }
                if (call != null) Track(call); // OnExistingCall read it, or wrote the error
            });
            // Calls placed earlier in the pipeline may settle while later ones are still being placed: look now, when one is due.
            if (_watcher != null && _sessionEnded == null && _watcher.NextDue <= Clock.GetUtcNow()) Poll(wait: false);
        }

        protected override void EndProcessing()
        {
            while (_watcher != null && _watcher.PendingCount > 0 && _sessionEnded == null)
            {
                if (_deadline is DateTimeOffset d && Clock.GetUtcNow() >= d) { TimedOut(); break; }
                Poll(wait: true);
            }
            if (_sessionEnded != null) SessionEnded();
            WriteProgress(new ProgressRecord(ProgressId, "Waiting for RingOut calls", "Done") { RecordType = ProgressRecordType.Completed });
            base.EndProcessing();
        }

        /// <summary>
        /// The session is over (ErrorMapping's rule): write what is known of every call still pending (all that
        /// reached this cmdlet, including those piped after the session ended), then one error naming them, whose
        /// TargetObject carries them all (Settled, Pending), so that a script can follow the rest after signing in again.
        /// </summary>
        private void SessionEnded()
        {
            var pending = Watcher.Pending;
            foreach (var call in pending) WriteObject(call);
            var result = new RingOutWaitResult(_written.ToArray(), pending);
            var ended = _sessionEnded ?? throw new InvalidOperationException("The session did not end.");
            var record = ErrorMapping.Failure(ended, result);
            var message = $"The session ended while waiting: {result.Settled.Count} call(s) settled" +
                          (pending.Count > 0 ? $", {pending.Count} still pending ({string.Join(", ", pending.Take(20).Select(c => c.Id + (c.To != null ? " to " + c.To : "")))}{(pending.Count > 20 ? ", …" : "")})" : "") +
                          $". {ended.Message} The error's TargetObject holds every call (Settled, Pending).";
            WriteError(new ErrorRecord(new RingCentralAuthenticationException(message, ended), record.FullyQualifiedErrorId.Split(',')[0], record.CategoryInfo.Category, result)
            {
                ErrorDetails = new ErrorDetails(message) { RecommendedAction = UserMessages.FollowTheRest },
            });
        }

        /// <summary>
        /// -To or -From as kept (a CSV's "(415) 555-0123" too) in E.164, as the call log writes it; absent is null. A value
        /// that is no phone number is RingOut.InvalidPhoneNumber, written before any request for the call.
        /// </summary>
        private bool TryNumber(string parameter, string? value, RingCentralSession session, out string? e164)
        {
            e164 = null;
            if (value == null || value.Trim().Length == 0) return true;
            if (PhoneNumber.TryNormalize(value, session.RegionFor(null), out e164, out var why)) return true;
            WriteError(ErrorMapping.InvalidNumber(parameter, value, why));
            return false;
        }

        private void Track(RingOutCall call)
        {
            if (_watcher == null)
            {
                _clock = call.Session.Clock;
                _watcher = new CallWatcher(_clock, TimeSpan.FromSeconds(PollInterval), Until) { Follow = Via };
                if (Timeout > 0) _watcher.Deadline = _deadline = Clock.GetUtcNow().AddSeconds(Timeout);
            }
            _total++;
            _unwritten[(call.Session, call.Id)] = call;
            // Handed over as the pipeline stops, after StopProcessing named the others: named here.
            if (StopToken.IsCancellationRequested) call.Session.RecordStopped(call, UserMessages.StoppedWhileWaiting);
            if (!_watcher.Add(call)) Settled(call);
        }

        /// <summary>Ctrl+C: every call followed and not yet written is named by its session (UnknownOutcomes), as nothing else will name it.</summary>
        protected override void StopProcessing()
        {
            base.StopProcessing();
            foreach (var pair in _unwritten) pair.Value.Session.RecordStopped(pair.Value, UserMessages.StoppedWhileWaiting);
        }

        private void Poll(bool wait)
        {
            WatchRound round;
            try
            {
                round = Await(ct => wait ? Watcher.NextAsync(_deadline, ct) : Watcher.PollDueAsync(ct));
            }
            catch (RingOutEventsUnavailableException e)
            {
                // Nothing lost: the calls settled so far were written; those not settled as -Until asks are not output
                // (they are not what was waited for), and are named in the error (Settled, Pending).
                var pending = Watcher.Pending;
                var record = ErrorMapping.Failure(e, new RingOutWaitResult(_written.ToArray(), pending));
                var refusal = pending.Select(c => c.Session).Append(Session ?? SessionStore.Current).Select(s => s?.EventsRefusal).FirstOrDefault(r => r != null);
                record.ErrorDetails.RecommendedAction = UserMessages.EventsUnavailableAdvice(refusal);
                throw Terminate(record);
            }
            catch (Exception e) when (ErrorMapping.EndsSession(e))
            {
                _sessionEnded = e;
                return;
            }
            if (Watcher.EventsUnavailable != _saidPolling)
            {
                // Said when it changes: polling (and why, and when events are tried again), or events again.
                if (Watcher.EventsUnavailable != null) WriteVerbose("Following calls by polling: " + Watcher.EventsUnavailable);
                else if (_saidPolling != null) WriteVerbose("Following calls through telephony events again.");
                _saidPolling = Watcher.EventsUnavailable;
            }
            foreach (var call in round.Changed)
                WriteVerbose(call.CallLog != null || call.State == RingOutCallState.Unknown
                    ? $"RingOut call {call.Id}: {call.State}, from the {call.Outcome}"
                    : $"RingOut call {call.Id}: {call.CallStatusText} (caller {call.CallerStatusText}, callee {call.CalleeStatusText}){(call.IsGone ? ", gone: its outcome is looked up in the call log" : "")}.");
            foreach (var call in round.Settled) Settled(call);
            foreach (var failure in round.Failures)
            {
                // Its status could not be read: write what is known of it, and say why.
                Settled(failure.Key);
                Report(failure.Value, failure.Key);
            }
            // The session ended during the round: what it settled before is written above, the rest by SessionEnded.
            if (round.SessionEnded != null) { _sessionEnded = round.SessionEnded; return; }
            // Once per round that polled or learned something (and the first time): not once per piped call. On the
            // event path nothing is polled: each leg's change, and each call settled, moves the display.
            if (round.Polled > 0 || round.Changed.Count > 0 || round.Settled.Count > 0 || !_progressShown) ShowProgress();
        }

        private bool _progressShown;
        private string? _saidPolling;

        private void Settled(RingOutCall call)
        {
            _settled++;
            _written.Add(call);
            WriteObject(call);
            _unwritten.TryRemove((call.Session, call.Id), out _);
        }

        private void ShowProgress()
        {
            var count = Watcher.PendingCount;
            if (count == 0) return;
            _progressShown = true;
            var parent = new ProgressRecord(ProgressId, "Waiting for RingOut calls",
                $"{_settled} of {_total} settled; waiting for {count} to be {(Until == RingOutWaitCondition.Connected ? "connected" : "over")}" +
                (Watcher.LookingUpCount > 0 ? $" ({Watcher.LookingUpCount} in the call log)" : ""))
            {
                PercentComplete = _total == 0 ? 0 : Math.Min(100, _settled * 100 / _total),
            };
            if (_deadline is DateTimeOffset d) parent.SecondsRemaining = Math.Max(0, (int)(d - Clock.GetUtcNow()).TotalSeconds);
            WriteProgress(parent);
            var child = ProgressId + 1;
            // Short enough to be read whole on one line of an 80-column console (the Minimal progress view).
            foreach (var call in Watcher.SoonestDue(10))
                WriteProgress(new ProgressRecord(child++, $"Call to {call.To ?? call.Id}",
                    $"caller {call.CallerStatusText ?? "?"}, callee {call.CalleeStatusText ?? "?"}") { ParentActivityId = ProgressId });
        }

        private void TimedOut()
        {
            foreach (var call in Watcher.Pending)
            {
                WriteObject(call);
                var message = $"RingOut call {call.Id} to {call.To ?? "?"} was still {call.State} (caller {call.CallerStatusText}, callee {call.CalleeStatusText}) after {Timeout} s.";
                WriteError(new ErrorRecord(new TimeoutException(message), ErrorIds.WaitTimeout, ErrorCategory.OperationTimeout, call)
                {
                    ErrorDetails = new ErrorDetails(message) { RecommendedAction = UserMessages.WaitLonger },
                });
            }
        }
    }
}
