using System;
using System.Threading.Tasks;
using RingOut.Client;
using Xunit;
using Xunit.Abstractions;

namespace RingOut.Client.Tests
{
    /// <summary>Issue 25: a session paces as fast as RingCentral allows, shared or not, on the virtual clock.</summary>
    public sealed class PacingTests
    {
        private readonly ITestOutputHelper _out;
        public PacingTests(ITestOutputHelper output) { _out = output; }

        /// <summary>Runs <paramref name="test"/> on a rig whose session shares its budget through a file of its own, or not.</summary>
        private static async Task WithRigAsync(bool shared, Func<Rig, Task> test)
        {
            var file = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ringout-test-" + Guid.NewGuid().ToString("N") + ".ledger");
            try
            {
                using var rig = await Rig.StartAsync(configure: o => { o.ShareRateLimits = shared; o.RateLimitFile = file; });
                await test(rig);
            }
            finally { System.IO.File.Delete(file); }
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task The_eleventh_call_placed_a_second_after_the_first_left_the_window_goes_at_once(bool shared)
        {
            await WithRigAsync(shared, async rig =>
            {
                var first = rig.Clock.GetUtcNow();
                for (var i = 0; i < 10; i++)
                {
                    await Task.Delay(first + TimeSpan.FromSeconds(6 * i) - rig.Clock.GetUtcNow(), rig.Clock);
                    await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = $"+1415555{i:d4}" });
                }
                // The first left the window at 60 s (and the budget's margin); a second later the eleventh may go.
                await Task.Delay(first + TimeSpan.FromSeconds(61) - rig.Clock.GetUtcNow(), rig.Clock);
                var before = rig.Clock.GetUtcNow();
                await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550010" });
                var waited = rig.Clock.GetUtcNow() - before;
                _out.WriteLine($"shared {shared}: the eleventh call waited {waited.TotalSeconds:0.00} s");
                Assert.Equal(TimeSpan.Zero, waited);
                Assert.Equal(0L, rig.Emulator.Statistics.TooManyRequestsSent);
            });
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task Light_reads_at_one_every_one_and_a_half_seconds_all_go_within_ten_minutes(bool shared)
        {
            await WithRigAsync(shared, async rig =>
            {
                var start = rig.Clock.GetUtcNow();
                var end = start + TimeSpan.FromMinutes(10);
                var sent = 0;
                // A read every 1.5 s, each once the one before has been answered.
                for (var next = start; ; next += TimeSpan.FromSeconds(1.5))
                {
                    var now = rig.Clock.GetUtcNow();
                    if (next > now) await Task.Delay(next - now, rig.Clock);
                    else next = now;
                    await rig.Session.GetForwardingNumbersAsync();
                    if (rig.Clock.GetUtcNow() >= end) break;
                    sent++;
                }
                _out.WriteLine($"shared {shared}: {sent} Light reads in ten minutes at one per 1.5 s");
                // 40 a minute is within Light's 50: none waits.
                Assert.Equal(400, sent);
                Assert.Equal(0L, rig.Emulator.Statistics.TooManyRequestsSent);
            });
        }
    }
}
