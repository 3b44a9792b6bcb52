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
        private readonly List<Entry> _pending = new List<Entry>();

        private sealed class Entry
        {
            public RingOutCall Latest;
            public DateTimeOffset NextPoll;
            public int TransientFailures;
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

        public int PendingCount => _pending.Count;
        public IReadOnlyList<RingOutCall> Pending => _pending.Select(e => e.Latest).ToArray();

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
            if (_pending.Any(e => e.Latest.Id == call.Id && e.Latest.Session == call.Session)) return true;
            // The snapshot is as of RetrievedAt: the first poll is due one interval after it (at once for an old snapshot).
            _pending.Add(new Entry { Latest = call, NextPoll = call.RetrievedAt + PollInterval });
            return true;
        }

        /// <summary>When the next poll is due, or null when nothing is pending.</summary>
        public DateTimeOffset? NextDue => _pending.Count == 0 ? (DateTimeOffset?)null : _pending.Min(e => e.NextPoll);

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

        private static readonly WatchRound Empty = new WatchRound(new RingOutCall[0], new RingOutCall[0], new KeyValuePair<RingOutCall, Exception>[0]);

        /// <summary>Polls every call that is due now, without waiting for any that is not.</summary>
        public async Task<WatchRound> PollDueAsync(CancellationToken cancellationToken)
        {
            var now = _clock.GetUtcNow();
            var due = _pending.Where(e => e.NextPoll <= now).OrderBy(e => e.NextPoll).ToList();
            if (due.Count == 0) return Empty;
            var perSession = _pending.GroupBy(e => e.Latest.Session).ToDictionary(g => g.Key, g => g.Count());
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
                    _pending.Remove(entry);
                    failures.Add(new KeyValuePair<RingOutCall, Exception>(entry.Latest, e));
                    continue;
                }
                catch (Exception e) when (e is RingCentralProtocolException || e is System.Net.Http.HttpRequestException)
                {
                    // The pipeline already retried the request; a garbled or lost answer may still be passing: poll again later.
                    if (++entry.TransientFailures >= MaxTransientFailures)
                    {
                        _pending.Remove(entry);
                        failures.Add(new KeyValuePair<RingOutCall, Exception>(entry.Latest, e));
                    }
                    else entry.NextPoll = _clock.GetUtcNow() + IntervalFor(entry.Latest.Session, perSession[entry.Latest.Session]);
                    continue;
                }
                entry.TransientFailures = 0;
                var old = entry.Latest;
                entry.Latest = fresh;
                if (fresh.CallStatusText != old.CallStatusText || fresh.CallerStatusText != old.CallerStatusText ||
                    fresh.CalleeStatusText != old.CalleeStatusText || fresh.IsGone != old.IsGone)
                    changed.Add(fresh);
                if (IsSettled(fresh)) { _pending.Remove(entry); settled.Add(fresh); }
                else entry.NextPoll = _clock.GetUtcNow() + IntervalFor(fresh.Session, perSession[entry.Latest.Session]);
            }
            return new WatchRound(changed, settled, failures);
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
