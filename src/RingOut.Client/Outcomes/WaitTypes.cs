using System;
using System.Collections.Generic;

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
}
