using System;
using System.Globalization;

namespace RingOut.Client
{
    /// <summary>One HTTP exchange, for -Verbose logging: never a header value or a body.</summary>
    public sealed class HttpExchange
    {
        public string Method { get; internal set; } = "";
        public string Path { get; internal set; } = "";
        public int? StatusCode { get; internal set; }
        public string? RateLimitGroup { get; internal set; }
        public int? RateLimitRemaining { get; internal set; }
        public TimeSpan Elapsed { get; internal set; }
        public string? Failure { get; internal set; }
        /// <summary>The request body with every secret replaced by ***, when bodies are captured (see <see cref="RingCentralSession.ObserveExchanges"/>).</summary>
        public string? RequestBody { get; internal set; }
        /// <summary>The response body with every token replaced by ***, when bodies are captured.</summary>
        public string? ResponseBody { get; internal set; }
        public override string ToString() =>
            $"{Method} {Path} -> {(StatusCode?.ToString(CultureInfo.InvariantCulture) ?? Failure)}" +
            (RateLimitGroup != null ? $" ({RateLimitGroup} remaining {RateLimitRemaining})" : "") +
            $" in {Elapsed.TotalMilliseconds:0} ms";
    }
}
