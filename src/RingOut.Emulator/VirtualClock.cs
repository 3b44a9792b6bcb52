using System;
using System.Collections.Generic;
using System.Threading;

namespace RingOut.Emulator
{
    /// <summary>
    /// A clock that moves only when told to: <see cref="Advance"/> moves it by hand, and with
    /// <see cref="AutoAdvance"/> on it jumps to the due time of every timer created on it, so that code waiting on
    /// <c>Task.Delay(…, clock)</c> goes on at once while its view of time moves as if it had waited.
    /// Shared by the emulator and the client, it lets a ten-minute run finish in milliseconds, deterministically.
    /// </summary>
    public sealed class VirtualClock : TimeProvider
    {
        private readonly object _gate = new object();
        private readonly List<VirtualTimer> _timers = new List<VirtualTimer>();
        private DateTimeOffset _now;

        public VirtualClock() : this(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero)) { }

        public VirtualClock(DateTimeOffset start) { _now = start; }

        /// <summary>When on, every timer created fires at once and the clock jumps to its due time.</summary>
        public bool AutoAdvance { get; set; }

        /// <summary>Total time the clock has been moved forward since it was made.</summary>
        public TimeSpan Elapsed { get; private set; }

        public override DateTimeOffset GetUtcNow() { lock (_gate) return _now; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() { lock (_gate) return _now.UtcTicks; }

        /// <summary>Moves the clock forward and fires, in due order, every timer that falls due.</summary>
        public void Advance(TimeSpan by)
        {
            if (by < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(by), "A clock cannot go back.");
            DateTimeOffset target;
            lock (_gate) target = _now + by;
            AdvanceTo(target);
        }

        private void AdvanceTo(DateTimeOffset target)
        {
            while (true)
            {
                VirtualTimer? next = null;
                lock (_gate)
                {
                    foreach (var t in _timers)
                        if (t.Due <= target && (next == null || t.Due < next.Due)) next = t;
                    if (next == null)
                    {
                        if (target > _now) { Elapsed += target - _now; _now = target; }
                        return;
                    }
                    if (next.Due > _now) { Elapsed += next.Due - _now; _now = next.Due; }
                    if (next.Period > TimeSpan.Zero) next.Due = _now + next.Period;
                    else _timers.Remove(next);
                }
                next.Fire();
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (callback == null) throw new ArgumentNullException(nameof(callback));
            var timer = new VirtualTimer(this, callback, state);
            timer.Change(dueTime, period);
            return timer;
        }

        private void Schedule(VirtualTimer timer, TimeSpan dueTime, TimeSpan period)
        {
            DateTimeOffset due;
            lock (_gate)
            {
                _timers.Remove(timer);
                if (dueTime == Timeout.InfiniteTimeSpan) return;
                timer.Due = due = _now + (dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime);
                timer.Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
                _timers.Add(timer);
            }
            if (AutoAdvance)
                ThreadPool.QueueUserWorkItem(_ => AdvanceTo(due));
        }

        private void Unschedule(VirtualTimer timer) { lock (_gate) _timers.Remove(timer); }

        private sealed class VirtualTimer : ITimer
        {
            private readonly VirtualClock _clock;
            private readonly TimerCallback _callback;
            private readonly object? _state;
            internal DateTimeOffset Due;
            internal TimeSpan Period;

            internal VirtualTimer(VirtualClock clock, TimerCallback callback, object? state)
            {
                _clock = clock; _callback = callback; _state = state;
            }

            internal void Fire() => _callback(_state);

            public bool Change(TimeSpan dueTime, TimeSpan period) { _clock.Schedule(this, dueTime, period); return true; }

            public void Dispose() => _clock.Unschedule(this);

            public System.Threading.Tasks.ValueTask DisposeAsync() { Dispose(); return default; }
        }
    }
}
