using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client;
using RingOut.Emulator;
using Xunit;

namespace RingOut.Client.Tests
{
    public sealed class CallWatcherTests
    {
        private static async Task<List<RingOutCall>> WatchAsync(Rig rig, CallWatcher watcher, IEnumerable<RingOutCall> calls)
        {
            var settled = new List<RingOutCall>();
            foreach (var c in calls) if (!watcher.Add(c)) settled.Add(c);
            while (watcher.PendingCount > 0)
            {
                var round = await watcher.NextAsync(null, CancellationToken.None);
                Assert.Empty(round.Failures);
                settled.AddRange(round.Settled);
            }
            return settled;
        }

        [Fact]
        public async Task Every_scenario_settles_in_its_own_state()
        {
            using var rig = await Rig.StartAsync();
            var numbers = new[] { "+14155550123", ScenarioNumbers.CalleeBusy, ScenarioNumbers.CalleeNoAnswer, ScenarioNumbers.CalleeRejects, ScenarioNumbers.LongRing };
            var calls = new List<RingOutCall>();
            foreach (var n in numbers) calls.Add(await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = n }));
            var settled = await WatchAsync(rig, new CallWatcher(rig.Clock, TimeSpan.FromSeconds(2), RingOutWaitCondition.Connected), calls);
            var byTo = settled.ToDictionary(c => c.To);
            Assert.Equal(RingOutCallState.Connected, byTo["+14155550123"].State);
            Assert.Equal(RingOutStatus.Busy, byTo[ScenarioNumbers.CalleeBusy].CalleeStatus);
            Assert.Equal(RingOutStatus.NoAnswer, byTo[ScenarioNumbers.CalleeNoAnswer].CalleeStatus);
            Assert.Equal(RingOutStatus.Rejected, byTo[ScenarioNumbers.CalleeRejects].CalleeStatus);
            Assert.Equal(RingOutCallState.Connected, byTo[ScenarioNumbers.LongRing].State);
            Assert.All(settled.Where(c => c.To != "+14155550123" && c.To != ScenarioNumbers.LongRing), c => Assert.Equal(RingOutCallState.Failed, c.State));
        }

        [Fact]
        public async Task Waiting_for_the_end_follows_a_call_until_both_legs_finish()
        {
            using var rig = await Rig.StartAsync();
            var call = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123" });
            var settled = await WatchAsync(rig, new CallWatcher(rig.Clock, TimeSpan.FromSeconds(3), RingOutWaitCondition.Ended), new[] { call });
            var last = Assert.Single(settled);
            Assert.Equal(RingOutCallState.Ended, last.State);
            Assert.Equal(RingOutStatus.Finished, last.CallerStatus);
            Assert.Equal(RingOutStatus.Finished, last.CalleeStatus);
        }

        [Fact]
        public async Task A_call_that_disappears_before_it_is_seen_to_settle_is_gone_not_failed()
        {
            using var rig = await Rig.StartAsync();
            var call = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123" });
            rig.Clock.AutoAdvance = false;
            rig.Clock.Advance(TimeSpan.FromMinutes(5));
            rig.Clock.AutoAdvance = true;
            var settled = await WatchAsync(rig, new CallWatcher(rig.Clock, TimeSpan.FromSeconds(2), RingOutWaitCondition.Connected), new[] { call });
            var last = Assert.Single(settled);
            Assert.True(last.IsGone);
            Assert.Equal(RingOutCallState.Gone, last.State);
        }

        [Fact]
        public async Task Many_calls_are_polled_within_the_light_budget_and_no_more_than_needed()
        {
            var options = new EmulatorOptions();
            options.RateLimits.Heavy = 1000; // placing is not what is measured here
            using var rig = await Rig.StartAsync(options);
            var calls = new List<RingOutCall>();
            for (var i = 0; i < 60; i++) calls.Add(await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+1415555" + (1000 + i) }));
            var start = rig.Clock.GetUtcNow();
            var settled = await WatchAsync(rig, new CallWatcher(rig.Clock, TimeSpan.FromSeconds(2), RingOutWaitCondition.Connected), calls);
            Assert.Equal(60, settled.Count);
            Assert.Equal(0, rig.Emulator.Statistics.TooManyRequestsSent);
            var gets = rig.Count("GET", "ring-out");
            var minutes = (rig.Clock.GetUtcNow() - start).TotalMinutes;
            Assert.True(gets <= 40 * Math.Ceiling(minutes) + 60, $"{gets} GETs in {minutes:0.0} min");
            Assert.True(gets <= 60 * 3, $"{gets} GETs for 60 calls");
        }
    }
}
