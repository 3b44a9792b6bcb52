using System;
using System.Collections.Generic;

namespace RingOut.Client
{
    /// <summary>
    /// The events a channel received, in order of arrival, and when each arrived. A reader holds an absolute position
    /// (<see cref="Forgotten"/> + index). Bounded by count and by an estimate of the bytes held: beyond
    /// <see cref="MaxEvents"/> events or <see cref="MaxBytes"/>, the oldest are forgotten until half of each is left, and
    /// a reader that had not read them yet is told it lost events.
    /// </summary>
    internal sealed class EventLog
    {
        public const int MaxEvents = 20_000;
        /// <summary>
        /// The most bytes (<see cref="TelephonyEvent.EstimatedBytes"/>) kept: 32 MB. RingCentral's events (two parties)
        /// are under 1 KB, so the count bounds them; the bytes bound events a server fattened (each holds at most
        /// <see cref="Json.MaxParties"/> parties of capped strings, about 30 KB).
        /// </summary>
        public const long MaxBytes = 32L * 1024 * 1024;
        private readonly List<TelephonyEvent> _events = new List<TelephonyEvent>();
        private readonly List<DateTimeOffset> _arrived = new List<DateTimeOffset>();
        private readonly List<long> _bytes = new List<long>();
        private long _held;

        /// <summary>How many of the oldest events were forgotten: the lowest position that can still be read.</summary>
        public int Forgotten { get; private set; }

        public void Keep(TelephonyEvent e, DateTimeOffset arrived)
        {
            var size = e.EstimatedBytes;
            _events.Add(e);
            _arrived.Add(arrived);
            _bytes.Add(size);
            _held += size;
            if (_events.Count <= MaxEvents && _held <= MaxBytes) return;
            var drop = 0;
            var held = _held;
            while (drop < _events.Count && (_events.Count - drop > MaxEvents / 2 || held > MaxBytes / 2)) held -= _bytes[drop++];
            _events.RemoveRange(0, drop);
            _arrived.RemoveRange(0, drop);
            _bytes.RemoveRange(0, drop);
            _held = held;
            Forgotten += drop;
        }

        /// <summary>The events from position <paramref name="from"/> on, the position to read from next, and whether some between <paramref name="from"/> and the oldest kept were forgotten.</summary>
        public (IReadOnlyList<TelephonyEvent> Events, int Next, bool Lost) Since(int from)
        {
            var lost = from < Forgotten;
            var start = Math.Max(from, Forgotten) - Forgotten;
            var events = start >= _events.Count ? (IReadOnlyList<TelephonyEvent>)Array.Empty<TelephonyEvent>() : _events.GetRange(start, _events.Count - start);
            return (events, Forgotten + _events.Count, lost);
        }

        /// <summary>The position of the first event that arrived at or after <paramref name="since"/>.</summary>
        public int PositionAt(DateTimeOffset since)
        {
            int lo = 0, hi = _arrived.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (_arrived[mid] < since) lo = mid + 1; else hi = mid;
            }
            return Forgotten + lo;
        }
    }
}
