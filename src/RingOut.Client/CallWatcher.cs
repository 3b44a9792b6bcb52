using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client.Http;

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
    }

    /// <summary>
    /// One scheduler that follows any number of calls: it polls each pending call no more often than the poll
    /// interval, spreads the Light budget of each session over the calls pending on it (the oldest-due first),
    /// stops polling a call as soon as it settles (404 after set-up is "gone", not a failure), and keeps only the
    /// latest snapshot of each call.
    /// </summary>
    public sealed class CallWatcher
    {
        private readonly TimeProvider _clock;
        // Every pending call by (session, id), the same calls in the order they fall due, and how many each session
        // has: adding, polling and settling a call cost O(log n), so a wait on n piped calls takes O(n log n).
        private readonly Dictionary<(RingCentralSession, string), Entry> _byCall = new Dictionary<(RingCentralSession, string), Entry>();
        private readonly SortedSet<Entry> _byDue = new SortedSet<Entry>(Entry.DueOrder);
        private readonly Dictionary<RingCentralSession, int> _perSession = new Dictionary<RingCentralSession, int>();
        private long _added;

        private sealed class Entry
        {
            public RingOutCall Latest;
            public DateTimeOffset NextPoll;
            public int TransientFailures;
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

        public int PendingCount => _byCall.Count;
        /// <summary>Every pending call's latest snapshot, the soonest due first (O(n): for the end of a wait, not for each call).</summary>
        public IReadOnlyList<RingOutCall> Pending => _byDue.Select(e => e.Latest).ToArray();

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
            if (IsSettled(call)) return false;
            var key = (call.Session, call.Id);
            if (_byCall.ContainsKey(key)) return true;
            // The snapshot is as of RetrievedAt: the first poll is due one interval after it (at once for an old snapshot).
            var entry = new Entry { Latest = call, NextPoll = call.RetrievedAt + PollInterval, Order = _added++ };
            _byCall.Add(key, entry);
            _byDue.Add(entry);
            _perSession[call.Session] = _perSession.TryGetValue(call.Session, out var n) ? n + 1 : 1;
            return true;
        }

        /// <summary>When the next poll is due, or null when nothing is pending.</summary>
        public DateTimeOffset? NextDue => _byDue.Count == 0 ? (DateTimeOffset?)null : _byDue.Min.NextPoll;

        private void Remove(Entry entry)
        {
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

        /// <summary>Polls every call that is due now, without waiting for any that is not.</summary>
        public async Task<WatchRound> PollDueAsync(CancellationToken cancellationToken)
        {
            var now = _clock.GetUtcNow();
            if (_byDue.Count == 0 || _byDue.Min.NextPoll > now) return Empty;
            var due = _byDue.TakeWhile(e => e.NextPoll <= now).ToList();
            var perSession = new Dictionary<RingCentralSession, int>(_perSession); // as the round begins
            var changed = new List<RingOutCall>();
            var settled = new List<RingOutCall>();
            var failures = new List<KeyValuePair<RingOutCall, Exception>>();
            foreach (var entry in due)
            {
                cancellationToken.ThrowIfCancellationRequested();
                RingOutCall fresh;
                try
                {
                    fresh = await entry.Latest.Session.RefreshCallAsync(entry.Latest, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is RingCentralApiException || e is RingCentralServerValueException || e is RingCentralRedirectException || e is RingCentralInvalidIdException)
                {
                    // What the server said will not change by asking again: give the call up, with the reason.
                    Remove(entry);
                    failures.Add(new KeyValuePair<RingOutCall, Exception>(entry.Latest, e));
                    continue;
                }
                catch (Exception e) when (e is RingCentralProtocolException || e is System.Net.Http.HttpRequestException)
                {
                    // The pipeline already retried the request; a garbled or lost answer may still be passing: poll again later.
                    if (++entry.TransientFailures >= MaxTransientFailures)
                    {
                        Remove(entry);
                        failures.Add(new KeyValuePair<RingOutCall, Exception>(entry.Latest, e));
                    }
                    else Reschedule(entry, _clock.GetUtcNow() + IntervalFor(entry.Latest.Session, perSession[entry.Latest.Session]));
                    continue;
                }
                entry.TransientFailures = 0;
                var old = entry.Latest;
                if (fresh.CallStatusText != old.CallStatusText || fresh.CallerStatusText != old.CallerStatusText ||
                    fresh.CalleeStatusText != old.CalleeStatusText || fresh.IsGone != old.IsGone)
                    changed.Add(fresh);
                if (IsSettled(fresh)) { Remove(entry); settled.Add(fresh); }
                else Reschedule(entry, _clock.GetUtcNow() + IntervalFor(old.Session, perSession[old.Session]));
                // Keyed by its first snapshot's session: a later snapshot keeps it (RefreshCallAsync polls through that session).
                entry.Latest = fresh;
            }
            return new WatchRound(changed, settled, failures) { Polled = due.Count };
        }

        /// <summary>The poll interval, stretched so that polling all calls pending on a session stays within its share of the Light budget.</summary>
        private TimeSpan IntervalFor(RingCentralSession session, int onSession)
        {
            var light = session.Budget.State(RateGroup.Light);
            var perMinute = Math.Max(1, light.Limit * BudgetShare);
            var spread = TimeSpan.FromTicks((long)(light.Window.Ticks * onSession / perMinute));
            return spread > PollInterval ? spread : PollInterval;
        }
    }
}
