using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace RingOut.Client
{
    /// <summary>What a wait waits for.</summary>
    public enum RingOutWaitCondition
    {
        /// <summary>Until the call connects, or can no longer connect (failed or gone).</summary>
        Connected,
        /// <summary>Until the call is over: ended after talking, failed, or gone.</summary>
        Ended,
    }

    /// <summary>How a wait learns what happens to calls.</summary>
    public enum RingOutFollowMode
    {
        /// <summary>Telephony events when the session can subscribe to them, polling when it cannot.</summary>
        Auto,
        /// <summary>Telephony events; a session that cannot subscribe is an error.</summary>
        Events,
        /// <summary>Polling each call (GET ring-out), as before events.</summary>
        Polling,
    }

    /// <summary>Where a wait stood when it was cut short: the calls that settled (and were written), and those still pending.</summary>
    public sealed class RingOutWaitResult
    {
        public RingOutWaitResult(IReadOnlyList<RingOutCall> settled, IReadOnlyList<RingOutCall> pending) { Settled = settled; Pending = pending; }
        public IReadOnlyList<RingOutCall> Settled { get; }
        /// <summary>Their last snapshots: pipe them to Wait-RingOutCall again once connected.</summary>
        public IReadOnlyList<RingOutCall> Pending { get; }
        public override string ToString() => $"{Settled.Count} settled, {Pending.Count} pending";
    }

    /// <summary>What one round of watching saw.</summary>
    public sealed class WatchRound
    {
        internal WatchRound(IReadOnlyList<RingOutCall> changed, IReadOnlyList<RingOutCall> settled, IReadOnlyList<KeyValuePair<RingOutCall, Exception>> failures)
        {
            Changed = changed; Settled = settled; Failures = failures;
        }

        /// <summary>Calls whose statuses changed in this round (their new snapshots).</summary>
        public IReadOnlyList<RingOutCall> Changed { get; }
        /// <summary>Calls that reached the condition in this round; they are no longer watched.</summary>
        public IReadOnlyList<RingOutCall> Settled { get; }
        /// <summary>Calls whose status could not be read (after the pipeline's retries); they are no longer watched.</summary>
        public IReadOnlyList<KeyValuePair<RingOutCall, Exception>> Failures { get; }
        /// <summary>How many calls the round polled (0: nothing was due).</summary>
        public int Polled { get; internal set; }
        /// <summary>Why the session ended during the round (null: it did not); the round's lists hold what it learned before.</summary>
        public Exception? SessionEnded { get; internal set; }
    }

    /// <summary>
    /// One scheduler that follows any number of calls: it polls each pending call no more often than the poll
    /// interval, spreads the Light budget of each session over the calls pending on it (the oldest-due first),
    /// stops polling a call as soon as it settles (404 after set-up is "gone", not a failure), and keeps only the
    /// latest snapshot of each call.
    /// </summary>
    public sealed partial class CallWatcher
    {
        private readonly TimeProvider _clock;
        // Every pending call by (session, id), the same calls in the order they fall due, and how many each session
        // has: adding, polling and settling a call cost O(log n), so a wait on n piped calls takes O(n log n).
        private readonly Dictionary<(RingCentralSession, string), Entry> _byCall = new Dictionary<(RingCentralSession, string), Entry>();
        private readonly SortedSet<Entry> _byDue = new SortedSet<Entry>(Entry.DueOrder);
        private readonly Dictionary<RingCentralSession, int> _perSession = new Dictionary<RingCentralSession, int>();
        private long _added;
        // Calls RingCentral forgot, waiting for their call log records: one lookup per (session, account, extension),
        // read in one request for all of its calls.
        private readonly Dictionary<(RingCentralSession, string, string), Lookup> _lookups = new Dictionary<(RingCentralSession, string, string), Lookup>();
        private int _lookingUp;
        private readonly Dictionary<(RingCentralSession, string, string), DateTimeOffset> _lastRead = new Dictionary<(RingCentralSession, string, string), DateTimeOffset>();

        private sealed class Lookup
        {
            public readonly List<Forgotten> Calls = new List<Forgotten>();
            public DateTimeOffset NextRead;
            public Exception? LastFailure;
        }

        private sealed class Forgotten
        {
            public Forgotten(RingOutCall call) { Call = call; }
            public readonly RingOutCall Call;
            public DateTimeOffset Since;
            /// <summary>Settled by its own status: the record only completes it (result, time talked, telephony session).</summary>
            public bool Complete;
        }

        private sealed class Entry
        {
            public Entry(RingOutCall latest) { Latest = latest; }
            public RingOutCall Latest;
            public DateTimeOffset NextPoll;
            /// <summary>Followed through telephony events: polled only as a safety net.</summary>
            public bool ViaEvents;
            public string? TelephonySessionId;
            public long LastSequence;
            /// <summary>RingCentral no longer knows the RingOut; its telephony session is read through Call Control instead.</summary>
            public bool RingOutGone;
            /// <summary>Safety polls in a row that found nothing new: each waits twice as long as the last (a quiet call is normal).</summary>
            public int QuietPolls;
            public int TransientFailures;
            /// <summary>Polled at once, because more than one telephony session could be this call.</summary>
            public bool PolledToTellApart;
            /// <summary>The telephony sessions this call could be, while more than one could (null otherwise); its own status rules them out.</summary>
            public List<string>? Rivals;
            /// <summary>Placed before the wait listened: its telephony session is looked for among the active calls first.</summary>
            public bool AwaitsActiveCalls;
            /// <summary>Telephony sessions the call's own status ruled out.</summary>
            public readonly HashSet<string> Excluded = new HashSet<string>();
            /// <summary>The order it was added in: breaks ties between calls due at the same time.</summary>
            public long Order;

            public static readonly IComparer<Entry> DueOrder = Comparer<Entry>.Create((a, b) =>
            {
                var c = a.NextPoll.CompareTo(b.NextPoll);
                return c != 0 ? c : a.Order.CompareTo(b.Order);
            });
        }

        public CallWatcher(TimeProvider clock, TimeSpan pollInterval, RingOutWaitCondition condition)
        {
            _clock = clock ?? TimeProvider.System;
            if (pollInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(pollInterval));
            PollInterval = pollInterval;
            Condition = condition;
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
        public TimeSpan CallLogPatience { get; set; } = TimeSpan.FromMinutes(10);
        /// <summary>Time between two reads of one extension's call log (each is a Heavy request, for all its forgotten calls).</summary>
        public TimeSpan CallLogInterval { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>How long the first forgotten call waits for others to share its call log read.</summary>
        public TimeSpan CallLogGather { get; set; } = TimeSpan.FromSeconds(2);

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
        private readonly Dictionary<(RingCentralSession, string), TelephonyEvent> _unlinked = new Dictionary<(RingCentralSession, string), TelephonyEvent>();
        // Each telephony session's earliest event seen (the lowest sequence): when it began, if that event shows its beginning.
        private readonly Dictionary<(RingCentralSession, string), TelephonyEvent> _firstSeen = new Dictionary<(RingCentralSession, string), TelephonyEvent>();
        private readonly Dictionary<(RingCentralSession, string), Entry> _byTelephonySession = new Dictionary<(RingCentralSession, string), Entry>();
        // Each session's subscription point for this wait, and each telephony session's answer and end (the events' times).
        private readonly Dictionary<RingCentralSession, DateTimeOffset> _readFrom = new Dictionary<RingCentralSession, DateTimeOffset>();
        private readonly Dictionary<(RingCentralSession, string), (DateTimeOffset? answered, DateTimeOffset? ended)> _times = new Dictionary<(RingCentralSession, string), (DateTimeOffset?, DateTimeOffset?)>();
        private DateTimeOffset? _nextRead;
        private int _viaEvents;
        // Calls added after their session subscribed but placed before it: looked for among the active calls, together.
        private readonly List<Entry> _older = new List<Entry>();
        private DateTimeOffset _olderDue;

        /// <summary>
        /// Why the wait polls instead of following events, when it does: a session that could not subscribe, or whose
        /// socket dropped and could not be reopened (with when it is tried again). Null when every session follows events.
        /// </summary>
        public string? EventsUnavailable => _unsubscribed ?? _socketDown.Values.FirstOrDefault();
        private string? _unsubscribed;
        // Sessions whose event socket is down (why): their calls are polled at the polling pace until it is back.
        private readonly Dictionary<RingCentralSession, string> _socketDown = new Dictionary<RingCentralSession, string>();

        public int PendingCount => _byCall.Count + _lookingUp;
        /// <summary>Pending calls whose outcome (or result and time talked) is awaited from the call log.</summary>
        public int LookingUpCount => _lookingUp;
        /// <summary>Every pending call's latest snapshot, the soonest due first (O(n): for the end of a wait, not for each call).</summary>
        public IReadOnlyList<RingOutCall> Pending => _byDue.Select(e => e.Latest).Concat(_lookups.Values.SelectMany(l => l.Calls.Select(f => f.Call))).ToArray();

        /// <summary>The latest snapshots of the <paramref name="count"/> calls due soonest: what a progress display shows.</summary>
        public IReadOnlyList<RingOutCall> SoonestDue(int count) => _byDue.Take(count).Select(e => e.Latest).ToArray();

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
            if (UseCallLog && call.State == RingOutCallState.Gone) { LookUp(call, _clock.GetUtcNow()); return true; }
            if (IsSettled(call)) return false;
            var key = (call.Session, call.Id);
            if (_byCall.ContainsKey(key)) return true;
            // The snapshot is as of RetrievedAt: the first poll is due one interval after it (at once for an old snapshot).
            var entry = new Entry(call) { NextPoll = call.RetrievedAt + PollInterval, Order = _added++ };
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
            _byCall.Add(key, entry);
            _byDue.Add(entry);
            _perSession[call.Session] = _perSession.TryGetValue(call.Session, out var n) ? n + 1 : 1;
            return true;
        }

        /// <summary>When the next poll (or call log read) is due (<see cref="DateTimeOffset.MinValue"/>: at once), or null when nothing is pending.</summary>
        public DateTimeOffset? NextDue
        {
            get
            {
                DateTimeOffset? due = _byDue.Count == 0 ? (DateTimeOffset?)null : _byDue.Min.NextPoll;
                foreach (var l in _lookups.Values) if (due == null || l.NextRead < due) due = l.NextRead;
                if (_nextRead is DateTimeOffset r && _viaEvents > 0 && (due == null || r < due)) due = r;
                if (_older.Count > 0 && (due == null || _olderDue < due)) due = _olderDue;
                // A session to subscribe: due at once. MinValue, not the clock's now, which a later read of a moving clock passes.
                if (Follow != RingOutFollowMode.Polling && _perSession.Keys.Any(k => !_channels.ContainsKey(k))) return DateTimeOffset.MinValue;
                // A session whose subscription failed tries again after its backoff.
                if (Follow != RingOutFollowMode.Polling)
                    foreach (var k in _perSession.Keys)
                        if (_channels.TryGetValue(k, out var c) && c == null && k.EventsRetryAt is DateTimeOffset retry && (due == null || retry < due)) due = retry;
                return due;
            }
        }

        /// <summary>Whether a session is to be subscribed now: never tried, or its failed try's backoff is over.</summary>
        private bool SubscribeDue(RingCentralSession session) =>
            !_channels.TryGetValue(session, out var channel) ||
            (channel == null && session.EventsRetryAt is DateTimeOffset retry && retry <= _clock.GetUtcNow());

        private void Remove(Entry entry)
        {
            if (entry.TelephonySessionId != null) _byTelephonySession.Remove((entry.Latest.Session, entry.TelephonySessionId));
            if (entry.ViaEvents) _viaEvents--;
            _byDue.Remove(entry);
            _byCall.Remove((entry.Latest.Session, entry.Latest.Id));
            var session = entry.Latest.Session;
            if (--_perSession[session] == 0) _perSession.Remove(session);
        }

        private void Reschedule(Entry entry, DateTimeOffset at)
        {
            _byDue.Remove(entry);
            entry.NextPoll = at;
            _byDue.Add(entry);
        }

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
            var due = _byDue.TakeWhile(e => e.NextPoll <= now).ToList();
            var perSession = new Dictionary<RingCentralSession, int>(_perSession); // as the round begins
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
                    fresh = await entry.Latest.Session.RefreshCallAsync(entry.Latest, cancellationToken).ConfigureAwait(false);
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
                if (UseCallLog && fresh.State == RingOutCallState.Gone) { Remove(entry); LookUp(fresh, _clock.GetUtcNow()); }
                else if (UseCallLog && fresh.IsFinal && IsSettled(fresh)) { Remove(entry); LookUp(fresh, _clock.GetUtcNow(), complete: true); }
                else if (IsSettled(fresh)) { Remove(entry); settled.Add(fresh); }
                else if (entry.Rivals != null && entry.PolledToTellApart) Reschedule(entry, _clock.GetUtcNow() + PollInterval); // still to be told apart
                else if (entry.ViaEvents && !_socketDown.ContainsKey(old.Session)) Reschedule(entry, _clock.GetUtcNow() + SafetyInterval(entry.QuietPolls++));
                else Reschedule(entry, _clock.GetUtcNow() + IntervalFor(old.Session, perSession[old.Session]));
                // Keyed by its first snapshot's session: a later snapshot keeps it (RefreshCallAsync polls through that session).
                entry.Latest = fresh;
            }
            var reads = await ReadCallLogsAsync(changed, settled, cancellationToken).ConfigureAwait(false);
            return new WatchRound(changed, settled, failures) { Polled = due.Count + reads };
        }


    }
}
