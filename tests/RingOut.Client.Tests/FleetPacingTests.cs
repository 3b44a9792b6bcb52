using System;
using System.Collections.Generic;
using System.Linq;
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
            void Share(RingCentralConnectOptions o) { o.ShareRateLimits = shared; o.RateLimitFile = file; }
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
                    if (start > 0) await Task.Delay(TimeSpan.FromMilliseconds(start), rig.Clock);
                    for (var i = 0; i < 10; i++)
                    {
                        await s.PlaceCallAsync(new RingOutCallRequest { To = $"+14155{n}5{i:d4}" });
                        lock (placedAt) placedAt.Add(rig.Clock.GetUtcNow());
                        if (gap > 0) await Task.Delay(TimeSpan.FromMilliseconds(gap), rig.Clock);
                    }
                }
                var all = Task.WhenAll(Client(rig.Session, 0, 1), Client(b, startB, 2), Client(c, startC, 3));
                // Ten minutes at most, 10 ms at a time.
                for (var step = 0; step < 60_000 && !all.IsCompleted; step++)
                {
                    rig.Clock.Advance(TimeSpan.FromMilliseconds(10));
                    // The clients' work that the step set off runs before the next step (as far as can be told).
                    for (var y = 0; y < 200 && (y < 20 || System.Threading.ThreadPool.PendingWorkItemCount > 0); y++) await Task.Yield();
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

        [Theory]
        [InlineData(0, 0, 0)]
        [InlineData(0, 400, 20)]
        [InlineData(0, 10_000, 20)]
        [InlineData(5_000, 30_000, 50)]
        [InlineData(1_000, 45_000, 300)]
        public async Task Clients_that_share_their_rate_limits_place_thirty_calls_within_ten_percent_of_the_Heavy_floor_without_a_429(int startB, int startC, int gap)
        {
            var (took, tooMany, created, done) = await RunAsync(startB, startC, gap, shared: true);
            Assert.True(done, "not done in ten minutes");
            Assert.Equal(30L, created);
            Assert.Equal(0L, tooMany);
            Assert.InRange(took, Floor - TimeSpan.FromSeconds(1), Floor * 1.1);
        }

        [Theory]
        [InlineData(0, 0, 0)]
        [InlineData(0, 10_000, 20)]
        public async Task Clients_that_do_not_share_wait_out_the_429s_and_place_every_call_once(int startB, int startC, int gap)
        {
            // Paced only by the X-Rate-Limit headers (clients on different computers): the window fills before each
            // learns of the others, so 429s come, and a client refused at another moment than the rest may be refused
            // again when it comes back. Before the quiet margin and the spread they kept one another out for ever.
            var (_, tooMany, created, done) = await RunAsync(startB, startC, gap, shared: false);
            Assert.True(done, "the clients kept one another out for ten minutes");
            Assert.Equal(30L, created);
            Assert.True(tooMany > 0, "three clients that do not know of one another fill the window together");
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
