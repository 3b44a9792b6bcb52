using System;

namespace RingOut.Client
{
    /// <summary>
    /// One record of RingCentral's call log (or of its active calls): what RingCentral remembers of a call once the
    /// RingOut resource is gone. It carries the telephony session id, never the RingOut id.
    /// </summary>
    public sealed class CallLogRecord
    {
        public string? Id { get; internal set; }
        /// <summary>The legacy session id.</summary>
        public string? SessionId { get; internal set; }
        /// <summary>The key of Call Control and of telephony events.</summary>
        public string? TelephonySessionId { get; internal set; }
        public DateTimeOffset StartTime { get; internal set; }
        /// <summary>How long the parties talked (zero for a call that did not connect).</summary>
        public TimeSpan Duration { get; internal set; }
        public string? Direction { get; internal set; }
        /// <summary>How the call was made: "RingOut Web", "RingOut PC", "RingOut Mobile", …</summary>
        public string? Action { get; internal set; }
        /// <summary>RingCentral's words for the outcome: "Call connected", "Busy", "No Answer", "Rejected", …</summary>
        public string? Result { get; internal set; }
        public string? Reason { get; internal set; }
        public string? From { get; internal set; }
        public string? To { get; internal set; }
        /// <summary>The call's legs (the call log's Detailed view): each party's number and result.</summary>
        public System.Collections.Generic.IReadOnlyList<CallLogLeg> Legs { get; internal set; } = Array.Empty<CallLogLeg>();

        /// <summary>A record of a RingOut.</summary>
        public bool IsRingOut => Action != null && Action.StartsWith("RingOut", StringComparison.OrdinalIgnoreCase);

        /// <summary>Whether the result says the two parties were connected.</summary>
        public bool Connected => IsConnectedResult(Result);

        internal static bool IsConnectedResult(string? result) =>
            string.Equals(result, "Call connected", StringComparison.OrdinalIgnoreCase) ||
            string.Equals(result, "Accepted", StringComparison.OrdinalIgnoreCase) ||
            string.Equals(result, "Connected", StringComparison.OrdinalIgnoreCase);

        public override string ToString() => $"{StartTime:u} {From} -> {To}: {Result} ({Duration.TotalSeconds:0} s, {TelephonySessionId})";
    }

    /// <summary>One leg of a call log record: the number it rang and what came of it.</summary>
    public sealed class CallLogLeg
    {
        public string? LegType { get; internal set; }
        public string? To { get; internal set; }
        public string? Result { get; internal set; }
        public string? Reason { get; internal set; }
        public override string ToString() => $"{LegType} {To}: {Result}";
    }
}
