using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace RingOut.Client
{
    /// <summary>
    /// The call-log batcher: calls RingCentral forgot, and calls settled by their own status that still want their
    /// result and time talked, looked up in the call log in batches: one read (Heavy) per (session, account,
    /// extension) for all of its calls, no sooner than <see cref="Interval"/> after the last, and never past the wait's
    /// deadline. A call no record links within <see cref="Patience"/> is written Unknown (or, settled by its own
    /// status, without a result), with the reason.
    /// </summary>
    internal sealed class CallLogBatcher
    {
        private readonly TimeProvider _clock;
        private readonly Func<DateTimeOffset?> _deadline;
        private readonly Dictionary<(RingCentralSession, string, string), Lookup> _lookups = new Dictionary<(RingCentralSession, string, string), Lookup>();
        private readonly Dictionary<(RingCentralSession, string, string), DateTimeOffset> _lastRead = new Dictionary<(RingCentralSession, string, string), DateTimeOffset>();

        /// <param name="clock">The wait's clock.</param>
        /// <param name="deadline">The wait's deadline (-Timeout), read at each look: nothing is asked after it.</param>
        public CallLogBatcher(TimeProvider clock, Func<DateTimeOffset?> deadline) { _clock = clock; _deadline = deadline; }

        /// <summary>How long after RingCentral forgot a call its call log record is waited for; then its outcome is Unknown.</summary>
        public TimeSpan Patience { get; set; } = TimeSpan.FromMinutes(10);
        /// <summary>Time between two reads of one extension's call log (each is a Heavy request, for all its forgotten calls).</summary>
        public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>How long the first forgotten call waits for others to share its call log read.</summary>
        public TimeSpan Gather { get; set; } = TimeSpan.FromSeconds(2);

        /// <summary>How many calls wait for their record.</summary>
        public int Count { get; private set; }
        /// <summary>Their latest snapshots.</summary>
        public IEnumerable<RingOutCall> Calls => _lookups.Values.SelectMany(l => l.Calls.Select(f => f.Call));
        /// <summary>When the next read is due (null: none waits).</summary>
        public DateTimeOffset? NextDue
        {
            get
            {
                DateTimeOffset? due = null;
                foreach (var l in _lookups.Values) if (due == null || l.NextRead < due) due = l.NextRead;
                return due;
            }
        }

        /// <summary>
        /// When a lookup reads again: one interval after its last read, or, after reads that failed (each already the
        /// pipeline's retries), twice as long for each failure in a row (1 min after one, then 2, 4, at most 8 min), but
        /// not after the patience of its oldest call ends, so that the call is given up on time. A dead call log is
        /// so at most 6 reads within the 10 minutes' patience.
        /// </summary>
        private DateTimeOffset NextReadAfter(Lookup lookup, DateTimeOffset now)
        {
            var wait = TimeSpan.FromTicks(Interval.Ticks << Math.Min(lookup.Failures, 4));
            var next = now + wait;
            var givenUp = lookup.Calls.Min(f => f.Since) + Patience;
            return lookup.Failures > 0 && givenUp > now && givenUp < next ? givenUp : next;
        }

        private bool PastDeadline => _deadline() is DateTimeOffset d && _clock.GetUtcNow() >= d;

        private sealed class Lookup
        {
            public readonly List<Forgotten> Calls = new List<Forgotten>();
            public DateTimeOffset NextRead;
            public Exception? LastFailure;
            /// <summary>Reads that failed in a row: each doubles the time to the next.</summary>
            public int Failures;
        }

        private sealed class Forgotten
        {
            public Forgotten(RingOutCall call) { Call = call; }
            public readonly RingOutCall Call;
            public DateTimeOffset Since;
            /// <summary>Settled by its own status: the record only completes it (result, time talked, telephony session).</summary>
            public bool Complete;
        }
        /// <summary>
        /// Puts a call RingCentral forgot on its extension's lookup, or (<paramref name="complete"/>) a call whose own
        /// status settled it, followed by polling, for its result, time talked and telephony session. A new lookup's first read waits a moment, so that
        /// calls forgotten together (piped one by one) share it, and never comes sooner than one interval after the last.
        /// </summary>
        public void Add(RingOutCall call, DateTimeOffset now, bool complete = false)
        {
            var key = (call.Session, call.AccountId, call.ExtensionId);
            if (!_lookups.TryGetValue(key, out var lookup))
            {
                var first = now + Gather;
                if (_lastRead.TryGetValue(key, out var last) && last + Interval > first) first = last + Interval;
                _lookups.Add(key, lookup = new Lookup { NextRead = first });
            }
            if (lookup.Calls.Any(f => f.Call.Id == call.Id)) return;
            lookup.Calls.Add(new Forgotten(call) { Since = now, Complete = complete });
            Count++;
        }

        /// <summary>
        /// Reads the call log of every extension whose lookup is due (one request, or one per 1,000 records, for all of
        /// its forgotten calls), and settles each call it links, or gives up on it after <see cref="Patience"/>.
        /// Returns how many reads it made.
        /// </summary>
        public async Task<int> ReadDueAsync(List<RingOutCall> changed, List<RingOutCall> settled, CancellationToken ct)
        {
            var reads = 0;
            foreach (var pair in _lookups.Where(l => l.Value.NextRead <= _clock.GetUtcNow()).ToList())
            {
                ct.ThrowIfCancellationRequested();
                if (PastDeadline) break;
                var (session, account, extension) = pair.Key;
                var lookup = pair.Value;
                // A Heavy read whose budget is spent would hold up everything else this wait follows (events, polls):
                // it is put off until the budget has room, instead of waited for here.
                var room = session.Budget.WaitTime(RingCentralSession.CallLogGroup);
                if (room > TimeSpan.Zero) { lookup.NextRead = _clock.GetUtcNow() + room; continue; }
                IReadOnlyList<CallLogRecord>? records = null;
                var forbidden = false;
                try
                {
                    var since = lookup.Calls.Min(f => f.Call.SentAt) + session.ServerClock.Low - TimeSpan.FromSeconds(1);
                    records = await session.GetCallLogAsync(since, account, extension, _deadline(), ct).ConfigureAwait(false);
                    lookup.LastFailure = null;
                    lookup.Failures = 0;
                }
                catch (Exception e) when (Failures.IsReadFailure(e))
                {
                    // Asking again may help, within the patience; a refusal (of the permission, of a value) will not.
                    lookup.LastFailure = e;
                    lookup.Failures++;
                    forbidden = Failures.Classify(e) == FailureKind.Permanent;
                }
                reads++;
                var now = _clock.GetUtcNow();
                _lastRead[pair.Key] = now;
                // A record is a candidate for a call that what was seen of the call does not contradict.
                bool Fits(RingOutCall call, CallCorrelation.Candidate k) => k.Source is CallLogRecord r && CallCorrelation.Agrees(call, call.ResolvedBy(r, now, keepOwnStatuses: false));
                var links = records == null ? null
                    : CallCorrelation.Link(lookup.Calls.Select(f => f.Call).ToList(), records.Where(r => r.IsRingOut && !string.Equals(r.Direction, "Inbound", StringComparison.OrdinalIgnoreCase))
                        .Select(CallCorrelation.Of).ToList(), session.ServerClock, session.Claims.HolderOf, Fits).ToDictionary(m => m.Call);
                foreach (var f in lookup.Calls.ToList())
                {
                    RingOutCall? final = null;
                    CallCorrelation.Match? link = null;
                    var patience = now - f.Since >= Patience;
                    if (links != null && links.TryGetValue(f.Call, out link) && link.Linked?.Source is CallLogRecord record && session.Claims.TryClaim(link.Linked.Key, f.Call.Id))
                        final = f.Call.ResolvedBy(record, now);
                    // A call settled by its own status keeps it: only its result and time talked stay unknown.
                    else if (f.Complete && (link?.Options.Count > 1 || forbidden || patience))
                        final = f.Call.WithNote(link?.Options.Count > 1 ? $"Result and Duration unknown: {link.Options.Count} call log records could be this call (Ambiguous: {link.Ambiguity})"
                            : forbidden ? $"Result and Duration unknown: its call log could not be read ({lookup.LastFailure?.Message})"
                            : $"Result and Duration unknown: no call log record for it appeared within {Patience.TotalMinutes:0} min");
                    else if (link?.Ambiguity != null && (link.Options.Count > 1 || patience)) final = f.Call.Unresolved("Ambiguous: " + link.Ambiguity, now);
                    else if (forbidden) final = f.Call.Unresolved($"RingCentral forgot the call, and its call log could not be read: {lookup.LastFailure?.Message}" +
                        (lookup.LastFailure is RingCentralApiException api && ((int)api.StatusCode == 403 || (int)api.StatusCode == 401) ? " (the app needs the ReadCallLog permission)." : ""), now);
                    else if (patience)
                        final = f.Call.Unresolved(lookup.LastFailure != null
                            ? $"RingCentral forgot the call, and its call log could not be read for {Patience.TotalMinutes:0} min: {lookup.LastFailure.Message}"
                            : $"RingCentral forgot the call, and no call log record for it appeared within {Patience.TotalMinutes:0} min.", now);
                    if (final == null) continue;
                    lookup.Calls.Remove(f);
                    Count--;
                    changed.Add(final);
                    settled.Add(final);
                }
                if (lookup.Calls.Count == 0) _lookups.Remove(pair.Key);
                else lookup.NextRead = NextReadAfter(lookup, now);
            }
            return reads;
        }
    }
}
