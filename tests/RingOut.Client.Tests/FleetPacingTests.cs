using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client;
using RingOut.Client.Http;
using Xunit;
using Xunit.Abstractions;

namespace RingOut.Client.Tests
{
    /// <summary>Run alone: the clock is moved by hand, and other tests' work on the thread pool would make the clients late.</summary>
    [CollectionDefinition(nameof(FleetPacingTests), DisableParallelization = true)]
    public sealed class FleetPacingCollection { }

    /// <summary>
    /// Issue 14: three clients of one user (RingCentral counts per user and app) placing ten calls each with
    /// RingCentral's default limits, started apart and each taking its time between calls, on a clock moved by hand.
    /// Heavy allows 10 a minute, so the 30th call cannot go before two windows: 120 s is the floor.
    /// </summary>
    [Collection(nameof(FleetPacingTests))]
    public sealed class FleetPacingTests
    {
        private readonly ITestOutputHelper _out;
        public FleetPacingTests(ITestOutputHelper output) { _out = output; }

        private static readonly TimeSpan Floor = TimeSpan.FromSeconds(120);

        private async Task<(TimeSpan took, long tooMany, long created, bool done)> RunAsync(int startB, int startC, int gap, bool shared)
        {
            var file = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ringout-test-" + Guid.NewGuid().ToString("N") + ".ledger");
            WaitCountingClock? clients = null;
            void Share(RingCentralConnectOptions o) { o.ShareRateLimits = shared; o.RateLimitFile = file; o.Clock = clients ??= new WaitCountingClock((RingOut.Emulator.VirtualClock)o.Clock); }
            try
            {
                using var rig = await Rig.StartAsync(configure: Share);
                using var b = await RingCentralSession.ConnectAsync(rig.Options(configure: Share));
                using var c = await RingCentralSession.ConnectAsync(rig.Options(configure: Share));
                Assert.Equal(shared ? file : null, c.RateLimitsSharedThrough);
                rig.Clock.AutoAdvance = false;
                var placedAt = new List<DateTimeOffset>();
                async Task Client(RingCentralSession s, int start, int n)
                {
                    if (start > 0) await Task.Delay(TimeSpan.FromMilliseconds(start), clients!);
                    for (var i = 0; i < 10; i++)
                    {
                        await s.PlaceCallAsync(new RingOutCallRequest { To = $"+14155{n}5{i:d4}" });
                        lock (placedAt) placedAt.Add(rig.Clock.GetUtcNow());
                        if (gap > 0) await Task.Delay(TimeSpan.FromMilliseconds(gap), clients!);
                    }
                }
                var each = new[] { Client(rig.Session, 0, 1), Client(b, startB, 2), Client(c, startC, 3) };
                var all = Task.WhenAll(each);
                // Ten minutes at most, 10 ms at a time; the clock stands still until every client is waiting on it
                // again (or done), however long their work takes on this computer.
                for (var step = 0; step < 60_000 && !all.IsCompleted; step++)
                {
                    await clients!.UntilWaitingAsync(() => each.Count(t => !t.IsCompleted));
                    rig.Clock.Advance(TimeSpan.FromMilliseconds(10));
                }
                var took = placedAt.Count == 0 ? TimeSpan.Zero : placedAt.Max() - placedAt.Min();
                _out.WriteLine($"{placedAt.Count} calls placed over {took.TotalSeconds:0.0} s (floor {Floor.TotalSeconds:0} s); 429s {rig.Emulator.Statistics.TooManyRequestsSent}");
                return (took, rig.Emulator.Statistics.TooManyRequestsSent, rig.Emulator.Statistics.CallsCreated, all.IsCompleted);
            }
            finally
            {
                System.IO.File.Delete(file);
            }
        }

        /// <summary>
        /// The clients' view of the rig's clock, which counts the waits they are in: each client does one thing at a
        /// time, so a client that waits on no timer is at work.
        /// </summary>
        private sealed class WaitCountingClock : TimeProvider
        {
            private readonly RingOut.Emulator.VirtualClock _clock;
            private int _waiting;
            public WaitCountingClock(RingOut.Emulator.VirtualClock clock) { _clock = clock; }
            public override DateTimeOffset GetUtcNow() => _clock.GetUtcNow();
            public override long TimestampFrequency => _clock.TimestampFrequency;
            public override long GetTimestamp() => _clock.GetTimestamp();

            public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
            {
                var counted = new Counted(this);
                if (dueTime != Timeout.InfiniteTimeSpan) Interlocked.Increment(ref _waiting);
                else counted.End();
                counted.Timer = _clock.CreateTimer(s => { counted.End(); callback(s); }, state, dueTime, period);
                return counted;
            }

            /// <summary>Until as many waits are pending as clients are not done (ten seconds at most, then a failure).</summary>
            public async Task UntilWaitingAsync(Func<int> working)
            {
                var patience = Stopwatch.StartNew();
                while (Volatile.Read(ref _waiting) < working())
                {
                    Assert.True(patience.Elapsed < TimeSpan.FromSeconds(10), "a client neither waited on the clock nor finished");
                    await Task.Yield();
                }
            }

            private sealed class Counted : ITimer
            {
                private readonly WaitCountingClock _owner;
                private int _ended;
                public ITimer? Timer;
                public Counted(WaitCountingClock owner) { _owner = owner; }
                public void End() { if (Interlocked.Exchange(ref _ended, 1) == 0) Interlocked.Decrement(ref _owner._waiting); }
                public bool Change(TimeSpan dueTime, TimeSpan period) => throw new NotSupportedException("The clients only wait once on each timer.");
                public void Dispose() { End(); Timer?.Dispose(); }
                public ValueTask DisposeAsync() { Dispose(); return default; }
            }
        }

        [Theory]
        [InlineData(0, 0, 0)]
        [InlineData(0, 400, 20)]
        [InlineData(0, 10_000, 20)]
        [InlineData(5_000, 30_000, 50)]
        [InlineData(1_000, 45_000, 300)]
        public async Task Clients_that_share_their_rate_limits_place_thirty_calls_within_five_percent_of_the_Heavy_floor_without_a_429(int startB, int startC, int gap)
        {
            var (took, tooMany, created, done) = await RunAsync(startB, startC, gap, shared: true);
            Assert.True(done, "not done in ten minutes");
            Assert.Equal(30L, created);
            Assert.Equal(0L, tooMany);
            Assert.InRange(took, Floor - TimeSpan.FromSeconds(1), Floor * 1.05);
        }

        [Theory]
        [InlineData(0, 0, 0, 3)]
        [InlineData(0, 10_000, 20, 0)]
        public async Task Clients_that_do_not_share_leave_one_another_room_and_place_every_call_once(int startB, int startC, int gap, int most429s)
        {
            // Paced only by the X-Rate-Limit headers (clients on different computers). Started at one moment, they
            // fill the window before any of them sees the others' requests, so each may be refused once. After that,
            // and when one comes later, a client that has seen others' requests leaves them two slots of the window:
            // the late one learns of the rest from an answer's headers, not from a 429 that starts RingCentral's
            // penalty again for all. Before that room was left, the late start cost 3 to 14 refusals and 300 to over
            // 600 s, at random.
            var (took, tooMany, created, done) = await RunAsync(startB, startC, gap, shared: false);
            Assert.True(done, "the clients kept one another out for ten minutes");
            Assert.Equal(30L, created);
            Assert.InRange(tooMany, 0L, most429s);
            // Eight calls a window instead of ten, a margin at each, and after a refusal a penalty spread at random:
            // not near the floor by design (the room left to clients that cannot see one another), but inside a
            // fourth window.
            Assert.InRange(took, Floor, Floor * 2);
        }

        [Fact]
        public void A_ledger_that_cannot_be_written_leaves_the_budget_pacing_alone()
        {
            var budget = new RateBudget(new RingOut.Emulator.VirtualClock());
            var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ringout-test-" + Guid.NewGuid().ToString("N"));
            System.IO.File.WriteAllText(dir, "a file where a folder should be");
            try
            {
                Assert.False(budget.ShareThrough(System.IO.Path.Combine(dir, "x.ledger")));
                Assert.Null(budget.SharedThrough);
                Assert.Equal(TimeSpan.Zero, budget.WaitTime(RateGroup.Heavy));
            }
            finally { System.IO.File.Delete(dir); }
        }
    }
}
