using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace RingOut.Client
{
    /// <summary>
    /// Follows any number of calls to their outcome, one round at a time, with four parts in <c>Outcomes/</c>: the
    /// poll scheduler (<see cref="PollSchedule"/>: each call's next poll, the soonest first), the budget spreader
    /// (<see cref="PollPacing"/>: no call polled more often than the poll interval, all of a session's within its share
    /// of the Light budget; the safety net's doubling), the event linker (this class's CallWatcher.Events.cs with
    /// <see cref="SeenSessions"/> and <see cref="CallCorrelation"/>: telephony events read, linked to calls, applied)
    /// and the call-log batcher (<see cref="CallLogBatcher"/>: forgotten calls, one Heavy read per extension).
    /// Adding, polling and settling a call cost O(log n) in the scheduler; the event path's look at a session's calls
    /// and candidates costs O(calls + unclaimed sessions) per round. A call stops being polled as soon as it settles
    /// (404 after set-up is "gone", not a failure), and only its latest snapshot is kept.
    /// </summary>
    public sealed partial class CallWatcher
    {
        private readonly TimeProvider _clock;
        // The poll scheduler: every pending call, in the order they fall due.
        private readonly PollSchedule _schedule = new PollSchedule();
        // Calls RingCentral forgot (or settled by their own status), waiting for their call log records.
        private readonly CallLogBatcher _callLog;

        public CallWatcher(TimeProvider clock, TimeSpan pollInterval, RingOutWaitCondition condition)
        {
            _clock = clock ?? TimeProvider.System;
            if (pollInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(pollInterval));
            PollInterval = pollInterval;
            Condition = condition;
            _callLog = new CallLogBatcher(_clock, () => Deadline);
        }

        public TimeSpan PollInterval { get; }
        public RingOutWaitCondition Condition { get; }
        /// <summary>Polls of one call in a row that may fail on the network or with an unreadable answer before the call is given up.</summary>
        public int MaxTransientFailures { get; set; } = 3;

        /// <summary>Share of a session's Light budget that polling may use; the rest stays for other requests.</summary>
        public double BudgetShare { get; set; } = 0.8;

        /// <summary>Whether a call RingCentral forgot is looked up in the call log (true) or written as Gone.</summary>
        public bool UseCallLog { get; set; } = true;
        /// <summary>How long after RingCentral forgot a call its call log record is waited for; then its outcome is Unknown.</summary>
        public TimeSpan CallLogPatience { get => _callLog.Patience; set => _callLog.Patience = value; }
        /// <summary>Time between two reads of one extension's call log (each is a Heavy request, for all its forgotten calls).</summary>
        public TimeSpan CallLogInterval { get => _callLog.Interval; set => _callLog.Interval = value; }
        /// <summary>How long the first forgotten call waits for others to share its call log read.</summary>
        public TimeSpan CallLogGather { get => _callLog.Gather; set => _callLog.Gather = value; }

        /// <summary>When the wait's time is up (-Timeout): a round asks for nothing after it, the pages of a call log read included.</summary>
        public DateTimeOffset? Deadline { get; set; }

        private bool PastDeadline => Deadline is DateTimeOffset d && _clock.GetUtcNow() >= d;

        /// <summary>Telephony events (the default when the session can subscribe), or polling.</summary>
        public RingOutFollowMode Follow { get; set; } = RingOutFollowMode.Auto;
        /// <summary>How often the events received are looked at: the most an outcome waits to be written after its event.</summary>
        public TimeSpan EventTick { get; set; } = TimeSpan.FromSeconds(1);
        /// <summary>A call followed through events is polled once when no event came for it for this long (events can be lost).</summary>
        public TimeSpan EventSafetyNet { get; set; } = TimeSpan.FromSeconds(90);
        /// <summary>How long the events of calls placed before the subscription have to link them before the calls are looked for.</summary>
        public TimeSpan OlderCallsGrace { get; set; } = TimeSpan.FromSeconds(3);

        // The event path: each session's channel (null: polling), the position read in its log, the events not yet
        // linked to a call, and the calls on the event path by telephony session and by the number they call.
        private readonly Dictionary<RingCentralSession, TelephonyEventChannel?> _channels = new Dictionary<RingCentralSession, TelephonyEventChannel?>();
        private readonly Dictionary<RingCentralSession, (int read, int gaps)> _cursor = new Dictionary<RingCentralSession, (int, int)>();
        private readonly SeenSessions _seen = new SeenSessions();
        private readonly Dictionary<(RingCentralSession, string), FollowedCall> _byTelephonySession = new Dictionary<(RingCentralSession, string), FollowedCall>();
        // Each session's subscription point for this wait.
        private readonly Dictionary<RingCentralSession, DateTimeOffset> _readFrom = new Dictionary<RingCentralSession, DateTimeOffset>();
        private DateTimeOffset? _nextRead;
        private int _viaEvents;
        // Calls added after their session subscribed but placed before it: looked for among the active calls, together.
        private readonly List<FollowedCall> _older = new List<FollowedCall>();
        private DateTimeOffset _olderDue;

        /// <summary>
        /// Why the wait polls instead of following events, when it does: a session that could not subscribe, or whose
        /// socket dropped and could not be reopened (with when it is tried again). Null when every session follows events.
        /// </summary>
        public string? EventsUnavailable => _unsubscribed ?? _socketDown.Values.FirstOrDefault();
        private string? _unsubscribed;
        // Sessions whose event socket is down (why): their calls are polled at the polling pace until it is back.
        private readonly Dictionary<RingCentralSession, string> _socketDown = new Dictionary<RingCentralSession, string>();

        public int PendingCount => _schedule.Count + _callLog.Count;
        /// <summary>Pending calls whose outcome (or result and time talked) is awaited from the call log.</summary>
        public int LookingUpCount => _callLog.Count;
        /// <summary>Every pending call's latest snapshot, the soonest due first (O(n): for the end of a wait, not for each call).</summary>
        public IReadOnlyList<RingOutCall> Pending => _schedule.InDueOrder.Select(e => e.Latest).Concat(_callLog.Calls).ToArray();

        /// <summary>The latest snapshots of the <paramref name="count"/> calls due soonest: what a progress display shows.</summary>
        public IReadOnlyList<RingOutCall> SoonestDue(int count) => _schedule.InDueOrder.Take(count).Select(e => e.Latest).ToArray();

        /// <summary>Whether a snapshot meets the condition.</summary>
        public bool IsSettled(RingOutCall call)
        {
            switch (call.State)
            {
                case RingOutCallState.InProgress: return false;
                case RingOutCallState.Connected: return Condition == RingOutWaitCondition.Connected;
                default: return true;
            }
        }

        /// <summary>Starts following a call; returns false (and does not follow it) when it already meets the condition.</summary>
        public bool Add(RingOutCall call)
        {
            if (call == null) throw new ArgumentNullException(nameof(call));
            if (call.Session == null) throw new ArgumentException("The call has no session to poll it with.", nameof(call));
            if (UseCallLog && call.State == RingOutCallState.Gone) { _callLog.Add(call, _clock.GetUtcNow()); return true; }
            if (IsSettled(call)) return false;
            var key = (call.Session, call.Id);
            if (_schedule.Contains(key)) return true;
            // The snapshot is as of RetrievedAt: the first poll is due one interval after it (at once for an old snapshot).
            var entry = new FollowedCall(call) { NextPoll = call.RetrievedAt + PollInterval };
            if (Follow != RingOutFollowMode.Polling && _channels.TryGetValue(call.Session, out var channel) && channel != null)
            {
                entry.ViaEvents = true;
                _viaEvents++;
                entry.NextPoll = _clock.GetUtcNow() + EventSafetyNet;
                if (call.SentAt < (_readFrom.TryGetValue(call.Session, out var from) ? from : channel.SubscribedAt))
                {
                    if (_older.Count == 0) _olderDue = _clock.GetUtcNow() + CallLogGather;
                    entry.AwaitsActiveCalls = true;
                    _older.Add(entry);
                }
            }
            _schedule.Add(entry);
            return true;
        }

        /// <summary>When the next poll (or call log read) is due (<see cref="DateTimeOffset.MinValue"/>: at once), or null when nothing is pending.</summary>
        public DateTimeOffset? NextDue
        {
            get
            {
                DateTimeOffset? due = _schedule.NextDue;
                if (_callLog.NextDue is DateTimeOffset read && (due == null || read < due)) due = read;
                if (_nextRead is DateTimeOffset r && _viaEvents > 0 && (due == null || r < due)) due = r;
                if (_older.Count > 0 && (due == null || _olderDue < due)) due = _olderDue;
                // A session to subscribe: due at once. MinValue, not the clock's now, which a later read of a moving clock passes.
                if (Follow != RingOutFollowMode.Polling && _schedule.PerSession.Keys.Any(k => !_channels.ContainsKey(k))) return DateTimeOffset.MinValue;
                // A session whose subscription failed tries again after its backoff.
                if (Follow != RingOutFollowMode.Polling)
                    foreach (var k in _schedule.PerSession.Keys)
                        if (_channels.TryGetValue(k, out var c) && c == null && k.EventsRetryAt is DateTimeOffset retry && (due == null || retry < due)) due = retry;
                return due;
            }
        }

        /// <summary>Whether a session is to be subscribed now: never tried, or its failed try's backoff is over.</summary>
        private bool SubscribeDue(RingCentralSession session) =>
            !_channels.TryGetValue(session, out var channel) ||
            (channel == null && session.EventsRetryAt is DateTimeOffset retry && retry <= _clock.GetUtcNow());

        private void Remove(FollowedCall entry)
        {
            if (entry.TelephonySessionId != null) _byTelephonySession.Remove((entry.Latest.Session, entry.TelephonySessionId));
            if (entry.ViaEvents) _viaEvents--;
            _schedule.Remove(entry);
        }

        private void Reschedule(FollowedCall entry, DateTimeOffset at) => _schedule.Reschedule(entry, at);

        /// <summary>Waits (on the clock) until a poll is due or <paramref name="deadline"/> comes, then polls what is due.</summary>
        public async Task<WatchRound> NextAsync(DateTimeOffset? deadline, CancellationToken cancellationToken)
        {
            var due = NextDue;
            if (due == null) return Empty;
            var until = deadline is DateTimeOffset d && d < due.Value ? d : due.Value;
            var wait = until - _clock.GetUtcNow();
            if (wait > TimeSpan.Zero) await _clock.Delay(wait, cancellationToken).ConfigureAwait(false);
            return await PollDueAsync(cancellationToken).ConfigureAwait(false);
        }

        private static readonly WatchRound Empty = new WatchRound(Array.Empty<RingOutCall>(), Array.Empty<RingOutCall>(), Array.Empty<KeyValuePair<RingOutCall, Exception>>());

        /// <summary>
        /// Polls every call that is due now, without waiting for any that is not. When the session ends during the
        /// round, the round returns what it settled before, with the reason (<see cref="WatchRound.SessionEnded"/>).
        /// </summary>
        public async Task<WatchRound> PollDueAsync(CancellationToken cancellationToken)
        {
            var changed = new List<RingOutCall>();
            var settled = new List<RingOutCall>();
            var failures = new List<KeyValuePair<RingOutCall, Exception>>();
            try { return await PollRoundAsync(changed, settled, failures, cancellationToken).ConfigureAwait(false); }
            catch (Exception e) when (Failures.EndsSession(e))
            {
                // The calls settled earlier in the round are held nowhere else: they go with the reason.
                return new WatchRound(changed, settled, failures) { SessionEnded = e };
            }
        }

        private async Task<WatchRound> PollRoundAsync(List<RingOutCall> changed, List<RingOutCall> settled, List<KeyValuePair<RingOutCall, Exception>> failures, CancellationToken cancellationToken)
        {
            var next = NextDue;
            var now = _clock.GetUtcNow();
            if (next == null || next > now) return Empty;
            if (Follow != RingOutFollowMode.Polling) await ReadEventsAsync(changed, settled, cancellationToken).ConfigureAwait(false);
            now = _clock.GetUtcNow();
            var due = _schedule.DueBy(now);
            var perSession = _schedule.PerSession.ToDictionary(p => p.Key, p => p.Value); // as the round begins
            foreach (var entry in due)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (PastDeadline) break; // the rest stay due: the wait is over
                RingOutCall fresh;
                if (entry.ViaEvents && entry.TelephonySessionId is string tsid && entry.RingOutGone)
                {
                    // RingCentral forgot the RingOut while the call goes on (it does soon after set-up): Call Control
                    // still knows the telephony session, and reads its parties now.
                    await ReadCallSessionAsync(entry, tsid, changed, settled, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                try
                {
                    fresh = await entry.Latest.Session.RefreshCallAsync(entry.Latest, Deadline, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (Failures.Classify(e) == FailureKind.Permanent)
                {
                    // What the server said will not change by asking again: give the call up, with the reason.
                    Remove(entry);
                    failures.Add(new KeyValuePair<RingOutCall, Exception>(entry.Latest, e));
                    continue;
                }
                catch (Exception e) when (Failures.IsTransient(e))
                {
                    // One layer retries a request: the pipeline, which has already retried what it could see (the network,
                    // 5xx, 429), so that is given up at once. Only an answer it delivered that could not be read is asked
                    // again here, at the call's next poll.
                    if (Failures.RetriedByPipeline(e) || ++entry.TransientFailures >= MaxTransientFailures)
                    {
                        Remove(entry);
                        failures.Add(new KeyValuePair<RingOutCall, Exception>(entry.Latest, e));
                    }
                    else Reschedule(entry, _clock.GetUtcNow() + IntervalFor(entry.Latest.Session, perSession[entry.Latest.Session]));
                    continue;
                }
                entry.TransientFailures = 0;
                TellApart(entry, fresh);
                if (fresh.IsGone && entry.ViaEvents && entry.TelephonySessionId != null)
                {
                    // Followed through its telephony session: the RingOut being forgotten says nothing of the call.
                    entry.RingOutGone = true;
                    Reschedule(entry, _clock.GetUtcNow() + SafetyInterval(entry.QuietPolls++));
                    continue;
                }
                var old = entry.Latest;
                if (fresh.CallStatusText != old.CallStatusText || fresh.CallerStatusText != old.CallerStatusText ||
                    fresh.CalleeStatusText != old.CalleeStatusText || fresh.IsGone != old.IsGone)
                    changed.Add(fresh);
                if (UseCallLog && fresh.State == RingOutCallState.Gone) { Remove(entry); _callLog.Add(fresh, _clock.GetUtcNow()); }
                else if (UseCallLog && fresh.IsFinal && IsSettled(fresh)) { Remove(entry); _callLog.Add(fresh, _clock.GetUtcNow(), complete: true); }
                else if (IsSettled(fresh)) { Remove(entry); settled.Add(fresh); }
                else if (entry.Rivals != null && entry.PolledToTellApart) Reschedule(entry, _clock.GetUtcNow() + PollInterval); // still to be told apart
                else if (entry.ViaEvents && !_socketDown.ContainsKey(old.Session)) Reschedule(entry, _clock.GetUtcNow() + SafetyInterval(entry.QuietPolls++));
                else Reschedule(entry, _clock.GetUtcNow() + IntervalFor(old.Session, perSession[old.Session]));
                // Keyed by its first snapshot's session: a later snapshot keeps it (RefreshCallAsync polls through that session).
                entry.Latest = fresh;
            }
            var reads = await _callLog.ReadDueAsync(changed, settled, cancellationToken).ConfigureAwait(false);
            return new WatchRound(changed, settled, failures) { Polled = due.Count + reads };
        }

        /// <summary>The safety net for a call whose RingOut RingCentral forgot: its telephony session's parties, through Call Control (Light).</summary>
        private async Task ReadCallSessionAsync(FollowedCall entry, string telephonySessionId, List<RingOutCall> changed, List<RingOutCall> settled, CancellationToken ct)
        {
            TelephonyEvent now;
            try { now = await entry.Latest.Session.GetCallSessionAsync(telephonySessionId, entry.Latest.AccountId, ct).ConfigureAwait(false); }
            catch (Exception e) when (Failures.Classify(e) == FailureKind.Permanent)
            {
                // Over and forgotten (404), or Call Control cannot be asked about this session (an id the client
                // refuses, a refusal): the call log has it.
                var gone = entry.Latest.AsGone(_clock.GetUtcNow());
                Remove(entry);
                if (UseCallLog) _callLog.Add(gone, _clock.GetUtcNow()); else settled.Add(gone);
                return;
            }
            catch (Exception e) when (Failures.IsTransient(e))
            {
                Reschedule(entry, _clock.GetUtcNow() + SafetyInterval(entry.QuietPolls++));
                return;
            }
            var quiet = entry.QuietPolls;
            Apply(entry, now, changed, settled, stateNow: true);
            entry.QuietPolls = quiet + 1;
            if (_schedule.Contains((entry.Latest.Session, entry.Latest.Id))) Reschedule(entry, _clock.GetUtcNow() + SafetyInterval(entry.QuietPolls));
        }

        private TimeSpan IntervalFor(RingCentralSession session, int onSession) => PollPacing.Interval(session, onSession, PollInterval, BudgetShare);
    }
}
