using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace RingOut.Client.Http
{
    /// <summary>
    /// One rate budget per session and group, shared by every request of the session (all cmdlets, all runspaces).
    /// It paces requests so that the server's limits are not hit: a sliding log of what was sent, corrected by the
    /// X-Rate-Limit-* headers, and a block after a 429 during which nothing is sent to the group (a request sent
    /// during the penalty would restart it). With <see cref="ShareThrough"/>, the log and the block are kept in a
    /// file that every session of the same user and app on the computer paces by (<see cref="SharedRateLedger"/>).
    /// </summary>
    public sealed partial class RateBudget
    {
        private readonly TimeProvider _clock;
        private readonly Dictionary<RateGroup, Bucket> _buckets = new Dictionary<RateGroup, Bucket>();

        internal sealed class Bucket
        {
            public int Limit;
            public TimeSpan Window = TimeSpan.FromSeconds(60);
            public Queue<Slot> Sent = new Queue<Slot>();
            public DateTimeOffset BlockedUntil;
            /// <summary>When an answer last counted requests in the window that were not this budget's (see <see cref="ObserveAsync"/>).</summary>
            public DateTimeOffset OthersSeen = DateTimeOffset.MinValue;
        }

        /// <summary>One request counted in a group's window: when it was sent, then when its answer came.</summary>
        internal sealed class Slot { public long Id; public DateTimeOffset At; }

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


        /// <summary>How long a request to <paramref name="group"/> would wait now (zero if it can go at once); shared, as the file says now (read on this thread).</summary>
        public TimeSpan WaitTime(RateGroup group) => Use(group, false, WaitLocked);

        /// <summary>Estimated time until the last of <paramref name="count"/> more requests to <paramref name="group"/> can be sent, at the pace the budget allows.</summary>
        public TimeSpan EstimateTime(RateGroup group, int count)
        {
            if (count <= 0) return TimeSpan.Zero;
            return Use(group, false, (b, now) =>
            {
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
            });
        }

        public RateGroupState State(RateGroup group) => Use(group, false, (b, now) => new RateGroupState
        {
            Group = group, Limit = b.Limit, Window = b.Window,
            Available = b.BlockedUntil > now ? 0 : Math.Max(0, b.Limit - Live(b, now)),
            BlockedUntil = b.BlockedUntil > now ? b.BlockedUntil : (DateTimeOffset?)null,
        });

        /// <summary>
        /// Waits until a request may be sent to the group, counts it as sent, and gives its slot, for
        /// <see cref="AnsweredAsync"/>: the server counts a request when it arrives, some time after it was sent, so
        /// its slot is moved to the time its answer came.
        /// </summary>
        internal async Task<Slot> TakeAsync(RateGroup group, CancellationToken cancellationToken)
        {
            while (true)
            {
                Slot? slot = null;
                var wait = await UseAsync(group, true, (b, now) =>
                {
                    var w = WaitLocked(b, now);
                    if (w <= TimeSpan.Zero) b.Sent.Enqueue(slot = new Slot { Id = SharedRateLedger.NewId(), At = now });
                    return w;
                }, cancellationToken).ConfigureAwait(false);
                if (slot != null) return slot;
                // Whole milliseconds: a delay of less than one is no delay at all, and the loop would spin (for ever
                // on a clock that stands still) until the moment came.
                var ms = (wait.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
                await _clock.Delay(TimeSpan.FromMilliseconds(ms), cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>Takes what the server said of the group's limit and what is left (already checked by <see cref="ServerValues"/>).</summary>
        internal async Task ObserveAsync(RateGroup group, RateHeaders rate, int status, CancellationToken ct)
        {
            int known;
            lock (_buckets)
            {
                // The limit and the window are each budget's own (the ledger keeps only requests and blocks).
                var b = _buckets[group];
                if (rate.Limit is int limit) b.Limit = limit;
                if (rate.Window is TimeSpan window) b.Window = window;
                known = b.Limit;
            }
            if (status == 429 || !(rate.Remaining is int remaining) || remaining > Reserve(known)) return;
            await UseAsync(group, true, (b, now) =>
            {
                // Requests the server counts that this budget did not send are other clients' of the same user and
                // app (on other computers, or not sharing a ledger). Once they have been seen, a few slots are left to
                // them for some windows: a client that does not know of the others learns of them from the headers of
                // an answer instead of a 429, which would start RingCentral's penalty again for all of them.
                var own = Live(b, now);
                var others = b.Limit - remaining > own;
                if (others) b.OthersSeen = now;
                var reserve = now - b.OthersSeen < TimeSpan.FromTicks(b.Window.Ticks * SharedWindows) ? Reserve(b.Limit) : 0;
                if (remaining > reserve) return false;
                // Nothing left to this client. When the server counts only its own requests, the first of them to
                // leave the window frees a slot. When it counts others', theirs may be younger, and the next of them
                // may be refused a moment later and start RingCentral's penalty: quiet for a whole window, as they
                // will be.
                var free = !others && own > 0 ? b.Sent.Peek().At + b.Window : now + b.Window + QuietMargin(b.Window);
                if (free > b.BlockedUntil) b.BlockedUntil = free;
                return true;
            }, ct).ConfigureAwait(false);
        }

        /// <summary>How many windows a budget leaves slots to other clients after it last saw their requests.</summary>
        private const int SharedWindows = 5;

        /// <summary>
        /// Slots of a group's window left to other clients once they are seen: enough for two that do not know of the
        /// rest to send a request each at once and read the headers of its answer, or a tenth of a larger group. None
        /// of Auth's five: a sign-in, a refresh or a WebSocket token is seldom, and each is needed when it is asked for.
        /// </summary>
        internal static int Reserve(int limit) => limit < 10 ? 0 : Math.Max(2, limit / 10);

        /// <summary>After a 429: nothing goes to the group for <paramref name="retryAfter"/>.</summary>
        public void Penalize(RateGroup group, TimeSpan retryAfter) => PenalizeAsync(group, retryAfter, CancellationToken.None).GetAwaiter().GetResult();

        internal Task PenalizeAsync(RateGroup group, TimeSpan retryAfter, CancellationToken ct) => UseAsync(group, true, (b, now) =>
        {
            var until = now + retryAfter;
            if (until > b.BlockedUntil) b.BlockedUntil = until;
            return true;
        }, ct);

        /// <summary>
        /// How much longer than a penalty (or a window) to stay quiet once the group is full: the safety margin and 5 %
        /// of it. Clients of one user refused a moment apart all come back after the last of them was refused
        /// (RingCentral starts the penalty again at each), and in the same order, so that they stay in step.
        /// </summary>
        public TimeSpan QuietMargin(TimeSpan penalty) => SafetyMargin + TimeSpan.FromTicks(penalty.Ticks / 20);

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
        internal Task AnsweredAsync(RateGroup group, Slot slot, CancellationToken ct) => UseAsync(group, true, (b, now) =>
        {
            // Every slot has an id of its own (shared, the bucket holds the ledger's copy of it): only this one moves.
            // Moved to now, it is the latest, so the log stays in the order that Trim and WaitLocked read it in.
            Slot? moved = null;
            foreach (var s in b.Sent)
                if (s.Id == slot.Id && now > s.At) { s.At = now; moved = s; }
            if (moved != null)
            {
                var sent = new Queue<Slot>(b.Sent.Count);
                foreach (var s in b.Sent) if (!ReferenceEquals(s, moved)) sent.Enqueue(s);
                sent.Enqueue(moved);
                b.Sent = sent;
            }
            if (now > slot.At) slot.At = now;
            return true;
        }, ct);

        private int Live(Bucket b, DateTimeOffset now) { Trim(b, now); return b.Sent.Count; }

        private void Trim(Bucket b, DateTimeOffset now)
        {
            while (b.Sent.Count > 0 && b.Sent.Peek().At + b.Window + SafetyMargin <= now) b.Sent.Dequeue();
        }
    }
}
