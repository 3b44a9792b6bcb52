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
        /// <summary>Follows calls until every one settled (no failures expected); the calls settled, in order.</summary>
        internal static async Task<List<RingOutCall>> WatchAsync(Rig rig, CallWatcher watcher, IEnumerable<RingOutCall> calls)
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

        /// <summary>A clock that moves on between any two reads of it, as the system clock does (the virtual one stands still).</summary>
        private sealed class MovingClock : TimeProvider
        {
            private readonly TimeProvider _inner;
            private long _reads;
            public MovingClock(TimeProvider inner) { _inner = inner; }
            public override DateTimeOffset GetUtcNow() => _inner.GetUtcNow().AddTicks(Interlocked.Increment(ref _reads));
            public override ITimer CreateTimer(TimerCallback callback, object state, TimeSpan dueTime, TimeSpan period) => _inner.CreateTimer(callback, state, dueTime, period);
        }

        [Theory]
        [InlineData(RingOutFollowMode.Events)]
        [InlineData(RingOutFollowMode.Auto)]
        public async Task On_a_moving_clock_the_first_round_subscribes_instead_of_finding_nothing_due(RingOutFollowMode follow)
        {
            // A bug: the subscription was due "now", read again after the round's own "now", so it was always a tick
            // later: every round found nothing due, and Wait-RingOutCall spun on one core for ever.
            using var rig = await Rig.StartAsync();
            var clock = new MovingClock(rig.Clock);
            using var session = await RingCentralSession.ConnectAsync(rig.Options(configure: o =>
            {
                o.Clock = clock;
                o.EventSocket = RingOut.PowerShell.InProcessEventSocket.For(rig.Emulator);
            }));
            var watcher = new CallWatcher(clock, TimeSpan.FromSeconds(3), RingOutWaitCondition.Ended) { Follow = follow };
            Assert.True(watcher.Add(await session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123" })));
            await watcher.NextAsync(null, CancellationToken.None);
            Assert.Equal(1L, rig.Count("POST", "wstoken"));
            Assert.True(watcher.NextDue > clock.GetUtcNow(), "after subscribing, the next step lies ahead");
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
        public async Task A_call_RingCentral_forgot_before_it_was_seen_to_settle_gets_its_outcome_from_the_call_log()
        {
            using var rig = await Rig.StartAsync();
            var call = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123" });
            var busy = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = ScenarioNumbers.CalleeBusy });
            rig.Clock.AutoAdvance = false;
            rig.Clock.Advance(TimeSpan.FromMinutes(5));
            rig.Clock.AutoAdvance = true;
            var settled = await WatchAsync(rig, new CallWatcher(rig.Clock, TimeSpan.FromSeconds(2), RingOutWaitCondition.Connected), new[] { call, busy });
            var byTo = settled.ToDictionary(c => c.To);
            Assert.Equal(RingOutCallState.Ended, byTo["+14155550123"].State);
            Assert.Equal("Call connected", byTo["+14155550123"].Result);
            Assert.Equal(TimeSpan.FromSeconds(20), byTo["+14155550123"].Duration);
            Assert.StartsWith("s-", byTo["+14155550123"].TelephonySessionId);
            Assert.Equal(RingOutCallState.Failed, byTo[ScenarioNumbers.CalleeBusy].State);
            Assert.Equal("Busy", byTo[ScenarioNumbers.CalleeBusy].Result);
            Assert.Equal(1, rig.Count("GET", "call-log")); // one read for both
        }

        [Fact]
        public async Task A_call_log_that_never_shows_the_call_gives_Unknown_with_the_reason_after_the_patience()
        {
            var options = new EmulatorOptions { CallLogLag = TimeSpan.FromHours(2) }; // a late call log
            using var rig = await Rig.StartAsync(options);
            var call = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123" });
            rig.Clock.AutoAdvance = false;
            rig.Clock.Advance(TimeSpan.FromMinutes(5));
            rig.Clock.AutoAdvance = true;
            var watcher = new CallWatcher(rig.Clock, TimeSpan.FromSeconds(2), RingOutWaitCondition.Ended) { CallLogPatience = TimeSpan.FromMinutes(3) };
            var last = Assert.Single(await WatchAsync(rig, watcher, new[] { call }));
            Assert.Equal(RingOutCallState.Unknown, last.State);
            Assert.Contains("no call log record for it appeared within 3 min", last.Outcome);
            Assert.InRange(rig.Count("GET", "call-log"), 6, 8); // every 30 s for 3 min, no more
        }

        [Fact]
        public async Task Two_calls_to_one_number_at_the_same_moment_with_different_outcomes_are_ambiguous_not_guessed()
        {
            using var rig = await Rig.StartAsync();
            rig.Clock.AutoAdvance = false;
            var first = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123" });
            var second = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123" });
            var third = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = ScenarioNumbers.CalleeBusy });
            rig.Clock.Advance(TimeSpan.FromSeconds(12));
            var hangUp = (await rig.Session.GetActiveCallsAsync()).First(r => r.To == "+14155550123").TelephonySessionId;
            await rig.Session.EndCallSessionAsync(hangUp); // one of the two talks 1 s, the other 20 s
            rig.Clock.Advance(TimeSpan.FromMinutes(5));
            rig.Clock.AutoAdvance = true;
            var settled = await WatchAsync(rig, new CallWatcher(rig.Clock, TimeSpan.FromSeconds(2), RingOutWaitCondition.Ended), new[] { first, second, third });
            var same = settled.Where(c => c.To == "+14155550123").ToList();
            Assert.Equal(2, same.Count);
            Assert.All(same, c => Assert.Equal(RingOutCallState.Unknown, c.State));
            Assert.All(same, c => Assert.StartsWith("Ambiguous: 2 calls to +14155550123 began within the moments the call was placed", c.Outcome));
            Assert.Equal(RingOutCallState.Failed, settled.Single(c => c.To == ScenarioNumbers.CalleeBusy).State);

            // Calls to one number placed apart are told apart by time.
            var a = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550199" });
            rig.Clock.AutoAdvance = false;
            rig.Clock.Advance(TimeSpan.FromSeconds(5));
            var b = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550199" });
            rig.Clock.Advance(TimeSpan.FromSeconds(13));
            await rig.Session.EndCallSessionAsync((await rig.Session.GetActiveCallsAsync()).Single(r => r.To == "+14155550199" && r.StartTime == b.PlacedAt).TelephonySessionId);
            rig.Clock.Advance(TimeSpan.FromMinutes(5));
            rig.Clock.AutoAdvance = true;
            var apart = await WatchAsync(rig, new CallWatcher(rig.Clock, TimeSpan.FromSeconds(2), RingOutWaitCondition.Ended), new[] { a, b });
            Assert.Equal(TimeSpan.FromSeconds(20), apart.Single(c => c.Id == a.Id).Duration);
            Assert.Equal(TimeSpan.FromSeconds(2), apart.Single(c => c.Id == b.Id).Duration);
        }

        [Fact]
        public async Task A_telephony_session_whose_beginning_was_missed_is_not_given_to_an_earlier_call_to_the_same_number()
        {
            // A bug: with two calls to one number placed a minute apart before the wait subscribed, the later call's
            // events were linked to the earlier (over) call, the first placed within two minutes of them: the earlier
            // call was reported with the later one's telephony session and outcome.
            using var rig = await Rig.StartAsync();
            using var session = await RingCentralSession.ConnectAsync(rig.Options(configure: o => o.EventSocket = RingOut.PowerShell.InProcessEventSocket.For(rig.Emulator)));
            rig.Clock.AutoAdvance = false;
            var earlier = await session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550177" });
            rig.Clock.Advance(TimeSpan.FromSeconds(60)); // the earlier call talked its 20 s and is over
            var later = await session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550177" });
            rig.Clock.Advance(TimeSpan.FromSeconds(8)); // the later one's first events, before the wait subscribes
            rig.Clock.AutoAdvance = true;
            var settled = await WatchAsync(rig, new CallWatcher(rig.Clock, TimeSpan.FromSeconds(3), RingOutWaitCondition.Ended) { Follow = RingOutFollowMode.Events }, new[] { earlier, later });

            string Own(RingOutCall c) => rig.Emulator.Calls.Single(e => e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) == c.Id).TelephonySessionId;
            Assert.Equal(2, settled.Count);
            Assert.All(settled, c => Assert.Equal(RingOutCallState.Ended, c.State));
            Assert.All(settled, c => Assert.True(c.TelephonySessionId == null || c.TelephonySessionId == Own(c), $"call {c.Id} was given telephony session {c.TelephonySessionId}, not its own {Own(c)}"));
            Assert.Equal(Own(later), settled.Single(c => c.Id == later.Id).TelephonySessionId);
            Assert.Equal(0L, rig.Count("POST", "ring-out") - 2); // nothing placed again
        }

        [Fact]
        public async Task Two_clients_of_one_user_penalized_a_moment_apart_both_get_their_call_placed()
        {
            // A bug the fleet test found: RingCentral starts a penalty again at any request made during it, and each
            // client came back exactly at its Retry-After, so the one penalized first always came back inside the
            // penalty the other had started again, and the two kept each other out for ever.
            using var rig = await Rig.StartAsync();
            using var b = await RingCentralSession.ConnectAsync(rig.Options());
            using var c = await RingCentralSession.ConnectAsync(rig.Options());
            rig.Clock.AutoAdvance = false;
            for (var i = 0; i < 10; i++) await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = $"+141555502{i:d2}" });
            var placeB = b.PlaceCallAsync(new RingOutCallRequest { To = "+14155550301" });
            rig.Clock.Advance(TimeSpan.FromMilliseconds(10));
            var placeC = c.PlaceCallAsync(new RingOutCallRequest { To = "+14155550302" });
            Assert.Equal(2L, rig.Emulator.Statistics.TooManyRequestsSent);
            var started = rig.Clock.GetUtcNow();
            var both = Task.WhenAll(placeB, placeC);
            // The clock moved by hand, a second at a time, for ten minutes at most.
            for (var s = 0; s < 600 && !both.IsCompleted; s++)
            {
                rig.Clock.Advance(TimeSpan.FromSeconds(1));
                await Task.Yield();
            }
            Assert.True(both.IsCompleted, "the two clients kept each other out for ten minutes");
            Assert.Equal(12L, rig.Emulator.Statistics.CallsCreated);
            Assert.InRange(rig.Clock.GetUtcNow() - started, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(130));
        }

        [Fact]
        public async Task An_app_that_may_not_read_the_call_log_gets_Unknown_at_once_saying_so()
        {
            using var rig = await Rig.StartAsync();
            var call = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123" });
            rig.Clock.AutoAdvance = false;
            rig.Clock.Advance(TimeSpan.FromMinutes(5));
            rig.Clock.AutoAdvance = true;
            var rule = rig.Emulator.Faults.Add(FaultKind.ServerError, "GET", "call-log", 5);
            rule.StatusCode = 403;
            rule.RetryAfterSeconds = null;
            var last = Assert.Single(await WatchAsync(rig, new CallWatcher(rig.Clock, TimeSpan.FromSeconds(2), RingOutWaitCondition.Ended), new[] { call }));
            Assert.Equal(RingOutCallState.Unknown, last.State);
            Assert.Contains("ReadCallLog", last.Outcome);
            Assert.Equal(1, rig.Count("GET", "call-log"));
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
