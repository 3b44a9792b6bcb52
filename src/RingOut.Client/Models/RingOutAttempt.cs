using System;

namespace RingOut.Client
{
    /// <summary>A call this session asked RingCentral to place whose outcome it could not learn: the number may have been called.</summary>
    public sealed class RingOutAttempt
    {
        internal RingOutAttempt(string to, string? from, DateTimeOffset sentAt, string reason) { To = to; From = from; SentAt = sentAt; Reason = reason; }
        public string To { get; }
        /// <summary>The number rung first, or null for the default forwarding number.</summary>
        public string? From { get; }
        public DateTimeOffset SentAt { get; }
        /// <summary>Why the outcome is unknown.</summary>
        public string Reason { get; }
        /// <summary>The RingOut call's id, when RingCentral gave one (the call was placed; the wait for its outcome was stopped).</summary>
        public string? CallId { get; internal set; }
        public override string ToString() => $"{To} at {SentAt:u}{(CallId != null ? " (RingOut call " + CallId + ")" : "")}: {Reason}";
    }
}
