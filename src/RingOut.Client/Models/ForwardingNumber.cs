using System;
using System.Collections.Generic;

namespace RingOut.Client
{
    /// <summary>One of the user's forwarding numbers: a phone RingOut can ring first.</summary>
    public sealed class ForwardingNumber
    {
        public string? Id { get; internal set; }
        public string? PhoneNumber { get; internal set; }
        public string? Label { get; internal set; }
        public string? Type { get; internal set; }
        public IReadOnlyList<string> Features { get; internal set; } = Array.Empty<string>();
        /// <summary>The number a call rings first when it names none (RingCentral marks none: the rule is <see cref="RingCentralSession.DefaultForwardingNumberAsync"/>'s).</summary>
        public bool IsDefault { get; internal set; }
        public override string ToString() => $"{Label} {PhoneNumber} ({Id})";
    }
}
