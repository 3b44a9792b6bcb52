using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace RingOut.Client.Http
{
    /// <summary>RingCentral's throttling groups.</summary>
    public enum RateGroup { Light, Medium, Heavy, Auth }

    /// <summary>What one group's budget looks like now.</summary>
    public sealed class RateGroupState
    {
        public RateGroup Group { get; internal set; }
        public int Limit { get; internal set; }
        public TimeSpan Window { get; internal set; }
        /// <summary>Requests this client may still send now without waiting.</summary>
        public int Available { get; internal set; }
        /// <summary>Set after a 429 or when the server says nothing is left: nothing is sent to the group before it.</summary>
        public DateTimeOffset? BlockedUntil { get; internal set; }
        public override string ToString() => $"{Group}: {Available}/{Limit} per {Window.TotalSeconds:0}s" + (BlockedUntil is DateTimeOffset b ? $", blocked until {b:HH:mm:ss}" : "");
    }

    /// <summary>
    /// One rate budget per session and group, shared by every request of the session (all cmdlets, all runspaces).
    /// It paces requests so that the server's limits are not hit: a sliding log of what was sent, corrected by the
    /// X-Rate-Limit-* headers, and a block after a 429 during which nothing is sent to the group (a request sent
    /// during the penalty would restart it).
    /// </summary>
    public sealed class RateBudget
    {
        private readonly TimeProvider _clock;
        private readonly Dictionary<RateGroup, Bucket> _buckets = new Dictionary<RateGroup, Bucket>();

        private sealed class Bucket
        {
            public int Limit;
            public TimeSpan Window = TimeSpan.FromSeconds(60);
            public readonly Queue<Slot> Sent = new Queue<Slot>();
            public DateTimeOffset BlockedUntil;
        }

        /// <summary>One request counted in a group's window: when it was sent, then when its answer came.</summary>
        internal sealed class Slot { public DateTimeOffset At; }

        public RateBudget(TimeProvider clock)
        {
            _clock = clock ?? throw new ArgumentNullException(nameof(clock));
            // RingCentral's published defaults; the server's headers replace them as soon as it answers.
            _buckets[RateGroup.Light] = new Bucket { Limit = 50 };
            _buckets[RateGroup.Medium] = new Bucket { Limit = 40 };
            _buckets[RateGroup.Heavy] = new Bucket { Limit = 10 };
            _buckets[RateGroup.Auth] = new Bucket { Limit = 5 };
        }

        /// <summary>Margin added to each wait, for the time a request takes to reach the server.</summary>
        public TimeSpan SafetyMargin { get; set; } = TimeSpan.FromMilliseconds(250);

        /// <summary>How long a request to <paramref name="group"/> would wait now (zero if it can go at once).</summary>
        public TimeSpan WaitTime(RateGroup group)
        {
            lock (_buckets) return WaitLocked(_buckets[group], _clock.GetUtcNow());
        }

        /// <summary>Estimated time until the last of <paramref name="count"/> more requests to <paramref name="group"/> can be sent, at the pace the budget allows.</summary>
        public TimeSpan EstimateTime(RateGroup group, int count)
        {
            if (count <= 0) return TimeSpan.Zero;
            lock (_buckets)
            {
                var b = _buckets[group];
                var now = _clock.GetUtcNow();
                Trim(b, now);
                // Replay the sliding window: each request goes when the group is unblocked and the request
                // `Limit` places before it has left the window.
                var sent = new List<DateTimeOffset>();
                foreach (var slot in b.Sent) sent.Add(slot.At);
                var last = now;
                for (var i = 0; i < count; i++)
                {
                    var at = b.BlockedUntil > now ? b.BlockedUntil : now;
                    if (sent.Count >= b.Limit)
                    {
                        var free = sent[sent.Count - b.Limit] + b.Window + SafetyMargin;
                        if (free > at) at = free;
                    }
                    sent.Add(at);
                    last = at;
                }
                return last - now;
            }
        }

        public RateGroupState State(RateGroup group)
        {
            lock (_buckets)
            {
                var b = _buckets[group];
                var now = _clock.GetUtcNow();
                return new RateGroupState
                {
                    Group = group, Limit = b.Limit, Window = b.Window,
                    Available = b.BlockedUntil > now ? 0 : Math.Max(0, b.Limit - Live(b, now)),
                    BlockedUntil = b.BlockedUntil > now ? b.BlockedUntil : (DateTimeOffset?)null,
                };
            }
        }

        /// <summary>Waits until a request may be sent to the group, then counts it as sent.</summary>
        public async Task AcquireAsync(RateGroup group, CancellationToken cancellationToken) => await TakeAsync(group, cancellationToken).ConfigureAwait(false);

        /// <summary>
        /// As <see cref="AcquireAsync"/>, and gives the slot, for <see cref="Answered"/>: the server counts a request
        /// when it arrives, some time after it was sent, so its slot is moved to the time its answer came.
        /// </summary>
        internal async Task<Slot> TakeAsync(RateGroup group, CancellationToken cancellationToken)
        {
            while (true)
            {
                TimeSpan wait;
                lock (_buckets)
                {
                    var b = _buckets[group];
                    var now = _clock.GetUtcNow();
                    wait = WaitLocked(b, now);
                    if (wait <= TimeSpan.Zero) { var slot = new Slot { At = now }; b.Sent.Enqueue(slot); return slot; }
                }
                // Whole milliseconds: a delay of less than one is no delay at all, and the loop would spin (for ever
                // on a clock that stands still) until the moment came.
                var ms = (wait.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
                await _clock.Delay(TimeSpan.FromMilliseconds(ms), cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>Takes what the server said of the group's limit and what is left (already checked by <see cref="ServerValues"/>).</summary>
        internal void Observe(RateGroup group, RateHeaders rate, int status)
        {
            lock (_buckets)
            {
                var b = _buckets[group];
                var now = _clock.GetUtcNow();
                if (rate.Limit is int limit) b.Limit = limit;
                if (rate.Window is TimeSpan window) b.Window = window;
                if (rate.Remaining == 0 && status != 429)
                {
                    // The server counts more than we do (another client of the same user and app): wait for a slot.
                    Trim(b, now);
                    var free = b.Sent.Count > 0 ? b.Sent.Peek().At + b.Window : now + b.Window;
                    if (free > b.BlockedUntil) b.BlockedUntil = free;
                }
            }
        }

        /// <summary>After a 429: nothing goes to the group for <paramref name="retryAfter"/>.</summary>
        public void Penalize(RateGroup group, TimeSpan retryAfter)
        {
            lock (_buckets)
            {
                var b = _buckets[group];
                var until = _clock.GetUtcNow() + retryAfter;
                if (until > b.BlockedUntil) b.BlockedUntil = until;
            }
        }

        /// <summary>The window of a group, for a 429 that came without Retry-After.</summary>
        public TimeSpan WindowOf(RateGroup group) { lock (_buckets) return _buckets[group].Window; }

        private TimeSpan WaitLocked(Bucket b, DateTimeOffset now)
        {
            Trim(b, now);
            var wait = b.BlockedUntil > now ? b.BlockedUntil - now : TimeSpan.Zero;
            if (b.Sent.Count >= b.Limit)
            {
                // The oldest request in the window must leave it first.
                var oldest = b.Sent.Count > b.Limit - 1 ? ElementAt(b.Sent, b.Sent.Count - b.Limit) : now;
                var free = oldest + b.Window + SafetyMargin - now;
                if (free > wait) wait = free;
            }
            return wait;
        }

        private static DateTimeOffset ElementAt(Queue<Slot> q, int index)
        {
            var i = 0;
            foreach (var t in q) if (i++ == index) return t.At;
            return q.Peek().At;
        }

        /// <summary>The answer to the request of <paramref name="slot"/> came now: it was counted by then, so it leaves the window no sooner than a window from now.</summary>
        internal void Answered(Slot slot)
        {
            lock (_buckets)
            {
                var now = _clock.GetUtcNow();
                if (now > slot.At) slot.At = now;
            }
        }

        private int Live(Bucket b, DateTimeOffset now) { Trim(b, now); return b.Sent.Count; }

        private void Trim(Bucket b, DateTimeOffset now)
        {
            while (b.Sent.Count > 0 && b.Sent.Peek().At + b.Window + SafetyMargin <= now) b.Sent.Dequeue();
        }
    }
}
