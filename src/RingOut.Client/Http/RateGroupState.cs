using System;

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
}
