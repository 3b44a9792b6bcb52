using System;

namespace RingOut.Client
{
    /// <summary>
    /// The server's clock as seen from ours, measured from the <c>Date</c> header of every answer: the server's time
    /// minus ours lies within [<see cref="Low"/>, <see cref="High"/>]. A Date header counts whole seconds and was
    /// written some time between our sending and our receiving, so each answer gives an interval; the intervals of
    /// successive answers are intersected (one that contradicts them means a clock was set: it starts again).
    /// Before any answer with a Date header, the skew is taken as within <see cref="Unmeasured"/> either way.
    /// </summary>
    public sealed class ServerClock
    {
        /// <summary>The skew assumed while none was measured (a server that sends no Date header).</summary>
        public static readonly TimeSpan Unmeasured = TimeSpan.FromSeconds(2);
        /// <summary>A skew beyond this is a wrong header, not a clock: it is not believed.</summary>
        private static readonly TimeSpan Believable = TimeSpan.FromDays(1);
        private readonly object _gate = new object();
        private TimeSpan _low = -Unmeasured, _high = Unmeasured;
        private bool _measured;

        /// <summary>Server time minus ours, at least.</summary>
        public TimeSpan Low { get { lock (_gate) return _low; } }
        /// <summary>Server time minus ours, at most.</summary>
        public TimeSpan High { get { lock (_gate) return _high; } }
        public bool Measured { get { lock (_gate) return _measured; } }

        internal void Observe(DateTimeOffset? date, DateTimeOffset sentAt, DateTimeOffset receivedAt)
        {
            if (!(date is DateTimeOffset d) || receivedAt < sentAt) return;
            // Checked before any arithmetic on the date: a header at the end of time must not overflow.
            var low = d - receivedAt;
            if (low.Duration() > Believable) return;
            var high = d + TimeSpan.FromSeconds(1) - sentAt;
            if (high.Duration() > Believable) return;
            lock (_gate)
            {
                var l = _measured && low < _low ? _low : low;
                var h = _measured && high > _high ? _high : high;
                if (l > h) { l = low; h = high; } // a clock was set: the latest answer alone
                _low = l; _high = h; _measured = true;
            }
        }

        public override string ToString() => $"server − local in [{Low.TotalSeconds:0.###} s, {High.TotalSeconds:0.###} s]{(Measured ? "" : " (not measured)")}";
    }
}
