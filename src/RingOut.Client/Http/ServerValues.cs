using System;
using System.Globalization;
using System.Net.Http;

namespace RingOut.Client.Http
{
    /// <summary>What the X-Rate-Limit-* headers of one answer said (each null when absent).</summary>
    internal struct RateHeaders
    {
        public int? Limit;
        public int? Remaining;
        public TimeSpan? Window;
    }

    /// <summary>
    /// Every number a server sends that the client would act on, read and bounded in one place: Retry-After, the
    /// rate-limit headers, token lifetimes. A Retry-After or a lifetime no RingCentral server sends is a
    /// <see cref="RingCentralServerValueException"/> naming it, never a wait of years or an exception of the runtime;
    /// a rate-limit header that cannot be believed is only advice not taken: it is ignored.
    /// </summary>
    internal static class ServerValues
    {
        /// <summary>RingCentral's penalties last a minute; a maintenance 503 may ask for more, never for more than this.</summary>
        public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(1);
        /// <summary>
        /// The longest a 429 blocks a rate group for pacing, whatever its Retry-After says: RingCentral documents a
        /// penalty of 60 s for every group (and sends Retry-After: 60); twice that leaves room for rounding and a
        /// slow server while one hostile answer cannot hold a group (shared by every process on the ledger) for an hour.
        /// </summary>
        public static readonly TimeSpan MaxPenalty = TimeSpan.FromSeconds(120);
        /// <summary>RingCentral's windows are 60 s; a longer one (up to this) is believed, anything more ignored.</summary>
        public const int MaxWindowSeconds = 120;
        /// <summary>Far above any plan's requests per window.</summary>
        public const int MaxLimit = 1_000_000; // the standalone emulator's --no-rate-limits sends this much
        /// <summary>Access tokens live about an hour and refresh tokens about a week; nothing lives ten years.</summary>
        public const long MaxLifetimeSeconds = 10L * 366 * 24 * 3600;

        /// <summary>The wait a Retry-After asks for (seconds or an HTTP date), or null when there is none.</summary>
        public static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
        {
            var text = RingCentralApiException.Header(response, "Retry-After")?.Trim();
            if (string.IsNullOrEmpty(text)) return null;
            var allowed = $"0 to {MaxRetryAfter.TotalSeconds:0} seconds, or a date within that";
            if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                if (seconds > MaxRetryAfter.TotalSeconds) throw new RingCentralServerValueException("Retry-After", text, allowed);
                return TimeSpan.FromSeconds(seconds);
            }
            if (DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                var wait = date - now;
                if (wait > MaxRetryAfter) throw new RingCentralServerValueException("Retry-After", text, allowed);
                return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            }
            throw new RingCentralServerValueException("Retry-After", text, allowed);
        }

        /// <summary>
        /// The pause a 429 imposes on its rate group: its Retry-After (else <paramref name="otherwise"/>), at most
        /// <see cref="MaxPenalty"/>.
        /// </summary>
        public static TimeSpan Penalty(TimeSpan? retryAfter, TimeSpan otherwise)
        {
            var penalty = retryAfter ?? otherwise;
            return penalty > MaxPenalty ? MaxPenalty : penalty;
        }

        /// <summary>
        /// The X-Rate-Limit-Limit, -Remaining and -Window headers, each null when absent or not believable (a window
        /// over <see cref="MaxWindowSeconds"/>, a negative count): they only pace the client, and one garbled header
        /// on an answer that is otherwise good must cost neither the answer nor a group's pace.
        /// </summary>
        public static RateHeaders Rate(HttpResponseMessage response) => new RateHeaders
        {
            Limit = Int(response, "X-Rate-Limit-Limit", 1, MaxLimit),
            Remaining = RemainingShown(response),
            Window = Int(response, "X-Rate-Limit-Window", 1, MaxWindowSeconds) is int w ? TimeSpan.FromSeconds(w) : (TimeSpan?)null,
        };

        /// <summary>X-Rate-Limit-Remaining for what is shown of an answer (an error, -Verbose): null when absent or not believable.</summary>
        public static int? RemainingShown(HttpResponseMessage response) => Int(response, "X-Rate-Limit-Remaining", 0, MaxLimit);

        private static int? Int(HttpResponseMessage response, string name, int min, int max)
        {
            var text = RingCentralApiException.Header(response, name)?.Trim();
            if (string.IsNullOrEmpty(text)) return null;
            return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max ? v : (int?)null;
        }

        /// <summary>A lifetime in seconds from a token answer (<c>expires_in</c>, <c>refresh_token_expires_in</c>).</summary>
        public static TimeSpan Lifetime(string field, long seconds)
        {
            if (seconds < 1 || seconds > MaxLifetimeSeconds)
                throw new RingCentralServerValueException(field, seconds.ToString(CultureInfo.InvariantCulture), $"1 to {MaxLifetimeSeconds} seconds");
            return TimeSpan.FromSeconds(seconds);
        }
    }
}
