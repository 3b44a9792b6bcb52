using System;
using System.Collections.Generic;
using System.Globalization;

namespace RingOut.Emulator
{
    /// <summary>RingCentral's rate limits: each request counted against its group, and the X-Rate-Limit-* headers.</summary>
    public sealed partial class RingCentralEmulator
    {
        /// <summary>Counts a request against its group; returns the 429 to send when it is over the limit.</summary>
        internal EmulatorResponse? Limit(string key, UsagePlanGroup group, out RateInfo info)
        {
            var (limit, remaining, window, retryAfter) = _limiter.Take(key + "|" + group, group, Options.RateLimits, Clock.GetUtcNow());
            info = new RateInfo(group, limit, remaining, window);
            if (retryAfter == null) return null;
            Statistics.TooManyRequests();
            var r = EmulatorResponse.Error(429, "CMN-301", "Request rate exceeded");
            r.Headers["Retry-After"] = retryAfter.Value.ToString(CultureInfo.InvariantCulture);
            info.WriteTo(r);
            return r;
        }

        internal readonly struct RateInfo
        {
            private readonly UsagePlanGroup _group;
            private readonly int _limit, _remaining, _window;
            public RateInfo(UsagePlanGroup group, int limit, int remaining, int window) { _group = group; _limit = limit; _remaining = remaining; _window = window; }

            public void WriteTo(EmulatorResponse r)
            {
                r.Headers["X-Rate-Limit-Group"] = _group.ToString().ToLowerInvariant();
                r.Headers["X-Rate-Limit-Limit"] = _limit.ToString(CultureInfo.InvariantCulture);
                r.Headers["X-Rate-Limit-Remaining"] = _remaining.ToString(CultureInfo.InvariantCulture);
                r.Headers["X-Rate-Limit-Window"] = _window.ToString(CultureInfo.InvariantCulture);
            }
        }
    }

    /// <summary>RingCentral's API usage plan groups, as the emulator enforces them and names them in X-Rate-Limit-Group (None: not limited).
    /// Which operation is in which group is the table the client paces by too (RateGroups.cs, linked from RingOut.Client).</summary>
    public enum UsagePlanGroup { None, Light, Medium, Heavy, Auth }

    /// <summary>Sliding-window request counting per user, app and group, with RingCentral's penalty rule.</summary>
    internal sealed class RateLimiter
    {
        private readonly Dictionary<string, Bucket> _buckets = new Dictionary<string, Bucket>();

        private sealed class Bucket
        {
            public readonly Queue<DateTimeOffset> Sent = new Queue<DateTimeOffset>();
            public DateTimeOffset PenaltyUntil;
        }

        /// <summary>Counts a request; returns the headers to send and, when limited, the Retry-After seconds.</summary>
        public (int limit, int remaining, int window, int? retryAfter) Take(string key, UsagePlanGroup group, RateLimitOptions o, DateTimeOffset now)
        {
            var limit = o.LimitOf(group);
            var window = (int)Math.Round(o.Window.TotalSeconds);
            lock (_buckets)
            {
                if (!_buckets.TryGetValue(key, out var b)) _buckets[key] = b = new Bucket();
                while (b.Sent.Count > 0 && b.Sent.Peek() <= now - o.Window) b.Sent.Dequeue();
                if (!o.Enabled) return (limit, Math.Max(0, limit - b.Sent.Count), window, null);
                if (now < b.PenaltyUntil || b.Sent.Count >= limit)
                {
                    // A request during the penalty starts it again.
                    b.PenaltyUntil = now + o.Penalty;
                    return (limit, 0, window, (int)Math.Ceiling(o.Penalty.TotalSeconds));
                }
                b.Sent.Enqueue(now);
                return (limit, limit - b.Sent.Count, window, null);
            }
        }

        public void Reset() { lock (_buckets) _buckets.Clear(); }
    }
}
