using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client;
using RingOut.Emulator;
using Xunit;

namespace RingOut.Client.Tests
{
    /// <summary>Every call gets its own outcome (issue 21): telephony sessions, live calls and call log records are linked to calls only when they can be nobody else's.</summary>
    public sealed class CorrelationTests
    {
        private const string Number = "+14155550123";

        private static Task<List<RingOutCall>> WatchAsync(CallWatcher watcher, IEnumerable<RingOutCall> calls) => CallWatcherTests.WatchAsync(null, watcher, calls);

        /// <summary>Moves the shared clock by hand (nothing runs in between).</summary>
        private static void Jump(Rig rig, TimeSpan by)
        {
            rig.Clock.AutoAdvance = false;
            rig.Clock.Advance(by);
            rig.Clock.AutoAdvance = true;
        }

        private static Task<RingCentralSession> WithEventsAsync(Rig rig) =>
            RingCentralSession.ConnectAsync(rig.Options(configure: o => o.EventSocket = RingOut.PowerShell.InProcessEventSocket.For(rig.Emulator)));

        private static string Own(Rig rig, RingOutCall c) =>
            rig.Emulator.Calls.Single(e => e.Id.ToString(CultureInfo.InvariantCulture) == c.Id).TelephonySessionId;

        [Theory]
        [InlineData(RingOutFollowMode.Events)]
        [InlineData(RingOutFollowMode.Auto)]
        [InlineData(RingOutFollowMode.Polling)]
        public async Task Three_calls_to_one_number_waited_one_after_another_each_get_their_own_complete_outcome(RingOutFollowMode via)
        {
            // The bug: the second wait read the session's events from the start and took the first call's telephony
            // session (begun within two minutes before it): Ended 1 ms after it was placed; the third, which connects,
            // was written Failed with the second call's session.
            using var rig = await Rig.StartAsync();
            using var session = await WithEventsAsync(rig);
            var results = new List<RingOutCall>();
            foreach (var from in new[] { null, ScenarioNumbers.CallerBusy, null })
            {
                var call = await session.PlaceCallAsync(new RingOutCallRequest { To = Number, From = from });
                var watcher = new CallWatcher(rig.Clock, TimeSpan.FromSeconds(3), RingOutWaitCondition.Ended) { Follow = via };
                var last = Assert.Single(await WatchAsync(watcher, new[] { call }));
                Assert.True(last.RetrievedAt - call.PlacedAt >= TimeSpan.FromSeconds(2), $"call {results.Count + 1} settled {(last.RetrievedAt - call.PlacedAt).TotalMilliseconds} ms after it was placed");
                results.Add(last);
            }
            Assert.Equal(new[] { RingOutCallState.Ended, RingOutCallState.Failed, RingOutCallState.Ended }, results.Select(c => c.State));
            Assert.All(results, c => Assert.Equal(Own(rig, c), c.TelephonySessionId));
            Assert.Equal(RingOutStatus.Busy, results[1].CallerStatus);
            Assert.Equal(RingOutStatus.CannotReach, results[1].CallStatus);
            Assert.All(new[] { results[0], results[2] }, c =>
            {
                Assert.Equal(RingOutStatus.Success, c.CallStatus);
                Assert.Equal(RingOutStatus.Finished, c.CallerStatus);
                Assert.Equal(RingOutStatus.Finished, c.CalleeStatus);
                Assert.Equal("Call connected", c.Result);
                Assert.Equal(TimeSpan.FromSeconds(20), c.Duration);
            });
            Assert.Equal("Busy", results[1].Result);
            Assert.Equal(TimeSpan.Zero, results[1].Duration);
        }

        /// <summary>This client's clock, set apart from the server's by a fixed amount.</summary>
        private sealed class SkewedClock : TimeProvider
        {
            private readonly TimeProvider _inner;
            private readonly TimeSpan _by;
            public SkewedClock(TimeProvider inner, TimeSpan by) { _inner = inner; _by = by; }
            public override DateTimeOffset GetUtcNow() => _inner.GetUtcNow() + _by;
            public override ITimer CreateTimer(TimerCallback callback, object state, TimeSpan dueTime, TimeSpan period) => _inner.CreateTimer(callback, state, dueTime, period);
        }

        [Theory]
        [InlineData(-30)]
        [InlineData(45)]
        public async Task A_client_clock_set_apart_from_the_servers_links_by_the_skew_measured_from_the_Date_headers(int seconds)
        {
            using var rig = await Rig.StartAsync();
            var clock = new SkewedClock(rig.Clock, TimeSpan.FromSeconds(seconds));
            using var session = await RingCentralSession.ConnectAsync(rig.Options(configure: o =>
            {
                o.Clock = clock;
                o.EventSocket = RingOut.PowerShell.InProcessEventSocket.For(rig.Emulator);
            }));
            var results = new List<RingOutCall>();
            foreach (var via in new[] { RingOutFollowMode.Events, RingOutFollowMode.Polling })
            {
                var call = await session.PlaceCallAsync(new RingOutCallRequest { To = Number });
                results.Add(Assert.Single(await WatchAsync(new CallWatcher(clock, TimeSpan.FromSeconds(3), RingOutWaitCondition.Ended) { Follow = via }, new[] { call })));
            }
            Assert.All(results, c => Assert.Equal(Own(rig, c), c.TelephonySessionId));
            Assert.All(results, c => Assert.Equal(TimeSpan.FromSeconds(20), c.Duration));
            Assert.InRange(session.ServerClock.Low.TotalSeconds, -seconds - 1, -seconds);
            Assert.InRange(session.ServerClock.High.TotalSeconds, -seconds, -seconds + 1);
        }

        [Fact]
        public void The_skew_is_the_intersection_of_what_each_answer_allows_and_an_absurd_Date_is_not_believed()
        {
            var skew = new ServerClock();
            Assert.False(skew.Measured);
            Assert.Equal(-ServerClock.Unmeasured, skew.Low);
            var t = new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
            Observe(skew, t.AddSeconds(10), t.AddMilliseconds(9600), t.AddMilliseconds(9800)); // server 10 s, sent 9.6, received 9.8
            Assert.Equal(TimeSpan.FromSeconds(0.2), skew.Low);
            Assert.Equal(TimeSpan.FromSeconds(1.4), skew.High);
            Observe(skew, t.AddSeconds(20), t.AddMilliseconds(19300), t.AddMilliseconds(19500));
            Assert.Equal(TimeSpan.FromSeconds(0.5), skew.Low);
            Assert.Equal(TimeSpan.FromSeconds(1.4), skew.High);
            Observe(skew, t.AddYears(30), t.AddSeconds(30), t.AddSeconds(31)); // a hostile Date header
            Assert.Equal(TimeSpan.FromSeconds(0.5), skew.Low);
            Observe(skew, t.AddSeconds(100), t.AddSeconds(40), t.AddMilliseconds(40500)); // the client's clock was set back: start again
            Assert.Equal(TimeSpan.FromSeconds(59.5), skew.Low);
        }

        private static void Observe(ServerClock skew, DateTimeOffset date, DateTimeOffset sent, DateTimeOffset received) =>
            typeof(ServerClock).GetMethod("Observe", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
                .Invoke(skew, new object[] { (DateTimeOffset?)date, sent, received });

        [Fact]
        public async Task Waiting_until_connected_then_calling_the_same_number_again_gets_the_new_calls_own_outcome()
        {
            // The first call's session goes on (talking, then hanging up) while the second is waited on.
            using var rig = await Rig.StartAsync();
            using var session = await WithEventsAsync(rig);
            var first = await session.PlaceCallAsync(new RingOutCallRequest { To = Number });
            var connected = Assert.Single(await WatchAsync(new CallWatcher(rig.Clock, TimeSpan.FromSeconds(3), RingOutWaitCondition.Connected) { Follow = RingOutFollowMode.Events }, new[] { first }));
            Assert.Equal(RingOutCallState.Connected, connected.State);
            var second = await session.PlaceCallAsync(new RingOutCallRequest { To = Number, From = ScenarioNumbers.CallerNoAnswer });
            var last = Assert.Single(await WatchAsync(new CallWatcher(rig.Clock, TimeSpan.FromSeconds(3), RingOutWaitCondition.Connected) { Follow = RingOutFollowMode.Events }, new[] { second }));
            Assert.Equal(RingOutCallState.Failed, last.State);
            Assert.Equal(RingOutStatus.NoAnswer, last.CallerStatus);
            Assert.Equal(Own(rig, second), last.TelephonySessionId);
            Assert.Equal("No Answer", last.Result);
        }

        [Fact]
        public async Task A_decoy_session_of_another_process_to_the_same_number_is_not_linked()
        {
            // Two processes of one user call one list: the other's call to our number began 0.05 s before ours, nearer the
            // moment we saw ours accepted (our answer came 0.3 s late), and fails Busy while ours connects.
            using var rig = await Rig.StartAsync();
            using var session = await WithEventsAsync(rig);
            using var other = await RingCentralSession.ConnectAsync(rig.Options());
            await session.TelephonyEventsAsync(); // a wait already listening
            await other.PlaceCallAsync(new RingOutCallRequest { To = Number, From = ScenarioNumbers.CallerBusy });
            Jump(rig, TimeSpan.FromMilliseconds(50));
            rig.Emulator.Faults.Add(FaultKind.ActThenLatency, "POST", "ring-out").Latency = TimeSpan.FromMilliseconds(300);
            var ours = await session.PlaceCallAsync(new RingOutCallRequest { To = Number });
            var watcher = new CallWatcher(rig.Clock, TimeSpan.FromSeconds(3), RingOutWaitCondition.Ended) { Follow = RingOutFollowMode.Events };
            var last = Assert.Single(await WatchAsync(watcher, new[] { ours }));
            Assert.Equal(RingOutCallState.Ended, last.State);
            Assert.Equal(RingOutStatus.Finished, last.CalleeStatus);
            Assert.Equal(Own(rig, ours), last.TelephonySessionId);
        }

        /// <summary>Our call connects; what else the user's call log holds is set up by <paramref name="others"/>; RingCentral forgets our call before the wait sees it settle.</summary>
        private static async Task<RingOutCall> ForgottenAsync(Rig rig, Func<RingCentralSession, RingOutCall, Task> others, RingOutFollowMode via = RingOutFollowMode.Polling)
        {
            using var other = await RingCentralSession.ConnectAsync(rig.Options());
            var ours = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = Number });
            await others(other, ours);
            Jump(rig, TimeSpan.FromSeconds(75)); // past the retention: GET answers 404
            var watcher = new CallWatcher(rig.Clock, TimeSpan.FromSeconds(2), RingOutWaitCondition.Ended) { Follow = via };
            return Assert.Single(await WatchAsync(watcher, new[] { ours }));
        }

        [Fact]
        public async Task Two_calls_to_one_number_placed_together_and_settled_by_their_own_statuses_say_why_they_have_no_result()
        {
            // Both connect and end; the call log holds two records either could be: neither is guessed, and each says so.
            using var rig = await Rig.StartAsync();
            // At the same moment (the virtual clock stands), from the same phone.
            var first = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = Number });
            var second = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = Number, From = first.From });
            var watcher = new CallWatcher(rig.Clock, TimeSpan.FromSeconds(2), RingOutWaitCondition.Ended) { Follow = RingOutFollowMode.Polling };
            var done = await WatchAsync(watcher, new[] { first, second });
            Assert.Equal(2, done.Count);
            Assert.All(done, c => Assert.Equal(RingOutCallState.Ended, c.State));
            Assert.All(done, c => Assert.Null(c.Result));
            Assert.All(done, c => Assert.Contains("Ambiguous", c.Outcome)); // it said "RingOut status", as if nothing were unknown
        }

        [Fact]
        public async Task Two_call_log_records_to_our_number_within_the_window_are_not_guessed()
        {
            using var rig = await Rig.StartAsync();
            var last = await ForgottenAsync(rig, async (other, ours) =>
            {
                // From the same phone (the module now always sends from: records rung from another phone are told
                // apart by it), 0.6 s later: nothing tells the two records apart.
                Jump(rig, TimeSpan.FromMilliseconds(600));
                await other.PlaceCallAsync(new RingOutCallRequest { To = Number, From = ours.From });
            });
            Assert.Equal(RingOutCallState.Unknown, last.State);
            Assert.StartsWith("Ambiguous: ", last.Outcome);
        }

        [Fact]
        public async Task A_call_log_record_that_began_before_our_call_was_placed_is_not_ours()
        {
            // A retry after busy: the Busy record of 90 s before is in the call log before ours is.
            var options = new EmulatorOptions { CallLogLag = TimeSpan.FromSeconds(60) };
            using var rig = await Rig.StartAsync(options);
            using (var other = await RingCentralSession.ConnectAsync(rig.Options()))
                await other.PlaceCallAsync(new RingOutCallRequest { To = Number, From = ScenarioNumbers.CallerBusy });
            Jump(rig, TimeSpan.FromSeconds(90));
            var last = await ForgottenAsync(rig, (other, ours) => Task.CompletedTask);
            Assert.Equal(RingOutCallState.Ended, last.State);
            Assert.Equal("Call connected", last.Result);
            Assert.Equal(Own(rig, last), last.TelephonySessionId);
        }

        [Fact]
        public async Task A_call_followed_by_polling_is_completed_by_its_own_record_not_by_another_process_call_to_the_same_number()
        {
            // The other process cancels its call to our number at once: its record is in the call log long before
            // ours, and it cannot be ours, which connected.
            using var rig = await Rig.StartAsync();
            using var other = await RingCentralSession.ConnectAsync(rig.Options());
            var ours = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = Number });
            Jump(rig, TimeSpan.FromMilliseconds(500));
            var theirs = await other.PlaceCallAsync(new RingOutCallRequest { To = Number });
            Jump(rig, TimeSpan.FromSeconds(1));
            await other.CancelCallAsync(theirs.Id);
            var last = Assert.Single(await WatchAsync(new CallWatcher(rig.Clock, TimeSpan.FromSeconds(2), RingOutWaitCondition.Ended) { Follow = RingOutFollowMode.Polling }, new[] { ours }));
            Assert.Equal(RingOutCallState.Ended, last.State);
            Assert.Equal("Call connected", last.Result);
            Assert.Equal(Own(rig, ours), last.TelephonySessionId);
        }

        [Theory]
        [InlineData(ScenarioNumbers.CallerBusy, null, RingOutStatus.Busy, null)]
        [InlineData(null, ScenarioNumbers.CalleeNoAnswer, RingOutStatus.Finished, RingOutStatus.NoAnswer)]
        [InlineData(null, ScenarioNumbers.CalleeRejects, RingOutStatus.Finished, RingOutStatus.Rejected)]
        public async Task A_failed_call_read_from_the_call_log_says_which_leg_failed(string from, string to, RingOutStatus caller, RingOutStatus? callee)
        {
            using var rig = await Rig.StartAsync();
            var call = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = to ?? Number, From = from });
            Jump(rig, TimeSpan.FromMinutes(5));
            var last = Assert.Single(await WatchAsync(new CallWatcher(rig.Clock, TimeSpan.FromSeconds(2), RingOutWaitCondition.Ended), new[] { call }));
            Assert.Equal(RingOutCallState.Failed, last.State);
            Assert.Equal(RingOutStatus.CannotReach, last.CallStatus);
            Assert.Equal(caller, last.CallerStatus);
            if (callee is RingOutStatus c) Assert.Equal(c, last.CalleeStatus);
            else Assert.NotEqual(RingOutStatus.InProgress, last.CalleeStatus);
        }

        [Fact]
        public async Task A_connected_call_read_from_the_call_log_has_both_legs_finished()
        {
            using var rig = await Rig.StartAsync();
            var call = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = Number });
            Jump(rig, TimeSpan.FromMinutes(5));
            var last = Assert.Single(await WatchAsync(new CallWatcher(rig.Clock, TimeSpan.FromSeconds(2), RingOutWaitCondition.Ended), new[] { call }));
            Assert.Equal(RingOutCallState.Ended, last.State);
            Assert.Equal(RingOutStatus.Success, last.CallStatus);
            Assert.Equal(RingOutStatus.Finished, last.CallerStatus);
            Assert.Equal(RingOutStatus.Finished, last.CalleeStatus);
        }
    }
}
