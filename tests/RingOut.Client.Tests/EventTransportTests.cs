using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client;
using RingOut.Client.Http;
using RingOut.Emulator;
using RingOut.Testing;
using Xunit;
using static RingOut.Client.Tests.BrokenServerTests;

namespace RingOut.Client.Tests
{
    /// <summary>
    /// Issue 22 (the rest) and issue 27 item 4: the event transport's waits end by the wait's deadline, a dead gateway
    /// costs a bounded number of reconnects and polls, and one failure is retried by one layer only. Requests are
    /// counted against the emulator and the hostile server.
    /// </summary>
    public sealed class EventTransportTests
    {
        /// <summary>The first socket is the emulator's; every later one is made by <paramref name="later"/>; opens counts them all.</summary>
        private static Func<Uri, CancellationToken, Task<IEventSocket>> FirstThen(Rig rig, Func<Uri, CancellationToken, Task<IEventSocket>> later, Action opened)
        {
            var first = true;
            var inner = RingOut.PowerShell.InProcessEventSocket.For(rig.Emulator);
            return (address, ct) =>
            {
                opened();
                if (!first) return later(address, ct);
                first = false;
                return inner(address, ct);
            };
        }

        /// <summary>Rounds as Wait-RingOutCall runs them, until nothing is pending or the deadline; bounded in real time too (a guard, not a wait).</summary>
        private static async Task RunUntilAsync(CallWatcher watcher, VirtualClock clock, DateTimeOffset deadline)
        {
            var run = Task.Run(async () =>
            {
                while (watcher.PendingCount > 0 && clock.GetUtcNow() < deadline) await watcher.NextAsync(deadline, CancellationToken.None);
            });
            Assert.True(await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30))) == run, "the wait held on past its deadline on the real clock");
            await run;
        }

        [Fact]
        public async Task A_gateway_silent_after_a_reconnect_holds_no_wait_past_its_timeout()
        {
            // The answer to a reconnect was awaited for 30 s on the real clock (DateTime.UtcNow), at every look: a
            // silent gateway held each step of a wait up to 30 s past -Timeout.
            using var rig = await Rig.StartAsync(new EmulatorOptions { TalkTime = TimeSpan.FromMinutes(15), Retention = TimeSpan.FromMinutes(30) });
            var opens = 0;
            var inner = RingOut.PowerShell.InProcessEventSocket.For(rig.Emulator);
            using var session = await RingCentralSession.ConnectAsync(rig.Options(configure: o => o.EventSocket =
                FirstThen(rig, async (a, ct) => new TamperedSocket(await inner(a, ct), _ => null), () => opens++)));
            Assert.NotNull(await session.TelephonyEventsAsync());
            var call = await session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550181" });
            var deadline = rig.Clock.GetUtcNow() + TimeSpan.FromSeconds(20);
            var watcher = new CallWatcher(rig.Clock, TimeSpan.FromSeconds(3), RingOutWaitCondition.Ended) { Deadline = deadline };
            watcher.Add(call);
            await watcher.NextAsync(deadline, CancellationToken.None);
            rig.Emulator.DropSockets();
            await RunUntilAsync(watcher, rig.Clock, deadline);
            Assert.True(rig.Clock.GetUtcNow() <= deadline + TimeSpan.FromSeconds(1), $"the wait ended {(rig.Clock.GetUtcNow() - deadline).TotalSeconds:0.#} s past its deadline");
            Assert.True(opens >= 2, "the socket was not reopened");
            Assert.Contains("socket is down", watcher.EventsUnavailable);
        }

        [Fact]
        public async Task A_dead_gateway_is_tried_again_with_backoff_and_its_calls_are_polled_at_the_polling_pace()
        {
            // The channel tried to reconnect at every look (each second), and every look made every call due at
            // once: a dead gateway turned each call into a poll a second, up to the Light budget.
            using var rig = await Rig.StartAsync(new EmulatorOptions { TalkTime = TimeSpan.FromMinutes(15), Retention = TimeSpan.FromMinutes(30) });
            var opens = 0;
            using var session = await RingCentralSession.ConnectAsync(rig.Options(configure: o => o.EventSocket =
                FirstThen(rig, (a, ct) => throw new WebSocketException("connection refused"), () => opens++)));
            Assert.NotNull(await session.TelephonyEventsAsync());
            var calls = new List<RingOutCall>();
            for (var i = 0; i < 3; i++) calls.Add(await session.PlaceCallAsync(new RingOutCallRequest { To = "+1415555019" + i }));
            var poll = TimeSpan.FromSeconds(10);
            var watcher = new CallWatcher(rig.Clock, poll, RingOutWaitCondition.Ended);
            foreach (var c in calls) watcher.Add(c);
            // Linked by their events first, then the gateway dies for two minutes.
            var linkedBy = rig.Clock.GetUtcNow() + TimeSpan.FromSeconds(8);
            await RunUntilAsync(watcher, rig.Clock, linkedBy);
            var getsBefore = rig.Count("GET", "ring-out");
            rig.Emulator.DropSockets();
            var span = TimeSpan.FromMinutes(2);
            await RunUntilAsync(watcher, rig.Clock, rig.Clock.GetUtcNow() + span);
            var gets = rig.Count("GET", "ring-out") - getsBefore;
            // Backoff 2 s, doubling, at most 2 minutes: 7 tries in two minutes, not 120.
            Assert.InRange(opens - 1, 1, 8);
            // Each call once at the drop, then once a poll interval: 3 × (1 + 12), not a poll each second.
            Assert.InRange(gets, 3, calls.Count * (1 + (int)(span.Ticks / poll.Ticks) + 1));
            Assert.Contains("trying again after", watcher.EventsUnavailable);
        }

        /// <summary>Places a call, switches <paramref name="fault"/> on, and polls the call until the watcher gives it up: its one failure.</summary>
        private static async Task<KeyValuePair<RingOutCall, Exception>> PollUntilGivenUpAsync(Rig rig, FaultRule fault, string to)
        {
            var call = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = to });
            rig.Emulator.Faults.Add(fault);
            var watcher = new CallWatcher(rig.Clock, TimeSpan.FromSeconds(3), RingOutWaitCondition.Ended) { Follow = RingOutFollowMode.Polling };
            watcher.Add(call);
            var failures = new List<KeyValuePair<RingOutCall, Exception>>();
            for (var rounds = 0; watcher.PendingCount > 0 && rounds < 100; rounds++) failures.AddRange((await watcher.NextAsync(null, CancellationToken.None)).Failures);
            var failed = Assert.Single(failures);
            Assert.Equal(call.Id, failed.Key.Id);
            return failed;
        }

        [Fact]
        public async Task One_failing_poll_costs_the_pipelines_retries_and_no_more()
        {
            // The pipeline retried a 5xx five times, and the watcher polled the call three times: 18 requests for one poll.
            using var rig = await Rig.StartAsync();
            var fault = new FaultRule(FaultKind.ServerError, "GET", "ring-out", -1) { RetryAfterSeconds = null };
            var failed = await PollUntilGivenUpAsync(rig, fault, "+14155550183");
            Assert.IsType<RingCentralApiException>(failed.Value);
            Assert.Equal(1L + new RetryOptions().MaxRetries, rig.Count("GET", "ring-out"));
        }

        [Fact]
        public async Task A_call_log_that_cannot_be_read_costs_a_bounded_number_of_requests_within_the_patience()
        {
            // The pipeline alone retries: each lookup is its 6 attempts, and a lookup that failed waits twice as long
            // before the next (1, 2, 4, 8 min, never past the patience). Three forgotten calls of one extension share
            // each read: a dead call log is at most 6 reads over the 10 minutes' patience (it was 13), then each is Unknown.
            using var rig = await Rig.StartAsync();
            var calls = new List<RingOutCall>();
            for (var i = 0; i < 3; i++) calls.Add(await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+1415555018" + (5 + i) }));
            var fault = rig.Emulator.Faults.Add(FaultKind.ServerError, "GET", "call-log", -1);
            fault.RetryAfterSeconds = null;
            var start = rig.Clock.GetUtcNow();
            var watcher = new CallWatcher(rig.Clock, TimeSpan.FromSeconds(3), RingOutWaitCondition.Ended) { Follow = RingOutFollowMode.Polling };
            var done = await WatchAsync(watcher, calls.Select(c => c.AsGone(start)).ToArray());
            Assert.Equal(3, done.Count);
            Assert.All(done, d => Assert.Equal(RingOutCallState.Unknown, d.State));
            Assert.All(done, d => Assert.Contains("could not be read for 10 min", d.Outcome));
            Assert.InRange(rig.Clock.GetUtcNow() - start, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(12));
            var perRead = 1 + new RetryOptions().MaxRetries;
            Assert.InRange(rig.Count("GET", "call-log"), perRead, 6 * perRead);
        }

        [Fact]
        public async Task An_unreadable_answer_the_pipeline_delivered_is_asked_again_by_the_watcher_alone()
        {
            // The other half of one layer of retries: a 200 whose body is not JSON is not retried by the pipeline, so
            // the watcher asks again at the call's next polls (MaxTransientFailures in all).
            using var rig = await Rig.StartAsync();
            var failed = await PollUntilGivenUpAsync(rig, new FaultRule(FaultKind.MalformedBody, "GET", "ring-out", -1), "+14155550184");
            Assert.IsType<RingCentralProtocolException>(failed.Value);
            Assert.Equal((long)new CallWatcher(rig.Clock, TimeSpan.FromSeconds(3), RingOutWaitCondition.Ended).MaxTransientFailures, rig.Count("GET", "ring-out"));
        }

        [Fact]
        public async Task The_subscriptions_requests_over_the_socket_are_charged_to_the_Medium_group()
        {
            // RingCentral charges the subscription's POST, PUT and DELETE to Medium, over the WebSocket too; they went through no budget.
            using var rig = await Rig.StartAsync();
            using var session = await RingCentralSession.ConnectAsync(rig.Options(configure: o => o.EventSocket = RingOut.PowerShell.InProcessEventSocket.For(rig.Emulator)));
            rig.Clock.AutoAdvance = false;
            var before = session.Budget.State(RateGroup.Medium).Available;
            Assert.NotNull(await session.TelephonyEventsAsync());
            Assert.Equal(before - 1, session.Budget.State(RateGroup.Medium).Available);
        }

        [Fact]
        public async Task A_black_holed_gateway_connect_ends_at_its_time_limit_and_leaves_no_connection_open()
        {
            // The connect had no limit (a black-holed gateway stalled every round for the OS's TCP timeout), and a
            // failed connect left its socket and CancellationTokenSource behind.
            using var server = new HostileHttpServer(_ => HostileResponse.Json("{}")) { BlackHoleUpgrades = true };
            var address = new Uri("ws://" + server.Address.Authority + "/ws");
            var e = await Assert.ThrowsAsync<TimeoutException>(() => NetworkEventSocket.ConnectAsync(address, TimeSpan.FromMilliseconds(300), CancellationToken.None));
            Assert.Contains("did not accept the connection", e.Message);
            Assert.Equal(FailureKind.Transient, Failures.Classify(e));
            // Bounded: the client's end of the black-holed connection is closed, not left open.
            Assert.True(await server.BlackHoleClosed.WaitAsync(TimeSpan.FromSeconds(10)), "the failed connect left its connection open");
        }

        [Fact]
        public async Task A_session_connects_its_socket_no_later_than_the_waits_deadline()
        {
            // The socket's connect is bounded by the wait's deadline as well as by its 30 s.
            using var server = HostileHttpServer.RingCentral(_ => HostileResponse.Json("{}"));
            server.BlackHoleUpgrades = true;
            var handler = server.Handler;
            server.Handler = r => r.Path == "/restapi/oauth/wstoken"
                ? HostileResponse.Json("{\"ws_access_token\":\"WS-TOKEN-1\",\"uri\":\"ws://" + server.Address.Authority + "/ws\",\"expires_in\":600}")
                : handler(r);
            using var session = await RingCentralSession.ConnectAsync(new RingCentralConnectOptions { Server = server.Address, AccessToken = Secret.From(HostileHttpServer.AccessToken) });
            var started = DateTimeOffset.UtcNow;
            Assert.Null(await session.TelephonyEventsAsync(DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(500), CancellationToken.None));
            Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(10), "the connect ran past the deadline");
            Assert.Contains("did not accept the connection", session.EventsUnavailable);
        }

        /// <summary>A gateway that accepts, answers what it is asked, and closes the socket right after: a flapping gateway (optionally failing every recovery).</summary>
        private sealed class Flapping : IEventSocket
        {
            private readonly IEventSocket _inner;
            private readonly bool _failRecovery;
            private readonly Action<string> _sent;
            private bool _details;
            private int _asked, _answered, _idleDrains;
            public Flapping(IEventSocket inner, bool failRecovery, Action<string> sent) { _inner = inner; _failRecovery = failRecovery; _sent = sent; }
            public bool IsOpen => _inner.IsOpen && !(_details && _answered >= _asked && _idleDrains >= 1);
            public Task SendAsync(string text, CancellationToken ct) { if (text.Contains("\"ClientRequest\"")) _asked++; _sent(text); return _inner.SendAsync(text, ct); }
            public IReadOnlyList<string> Drain()
            {
                var list = _inner.Drain().Select(f => _failRecovery ? f.Replace("\"recoveryState\":\"Successful\"", "\"recoveryState\":\"Failed\"") : f).ToList();
                var ready = _details && _answered >= _asked;
                foreach (var f in list)
                {
                    if (f.Contains("\"ConnectionDetails\"")) _details = true;
                    if (f.Contains("\"ClientRequest\"")) _answered++;
                }
                if (ready) _idleDrains++;
                return list;
            }
            public void Dispose() => _inner.Dispose();
        }

        /// <summary>Rewrites the wstoken answer's expires_in.</summary>
        private sealed class ShortToken : System.Net.Http.DelegatingHandler
        {
            public ShortToken(System.Net.Http.HttpMessageHandler inner) : base(inner) { }
            protected override async Task<System.Net.Http.HttpResponseMessage> SendAsync(System.Net.Http.HttpRequestMessage request, CancellationToken ct)
            {
                var r = await base.SendAsync(request, ct);
                if (!request.RequestUri!.AbsolutePath.EndsWith("/wstoken")) return r;
                var body = await r.Content.ReadAsStringAsync(ct);
                r.Content = new System.Net.Http.StringContent(System.Text.RegularExpressions.Regex.Replace(body, "\"expires_in\":\\d+", "\"expires_in\":1"), System.Text.Encoding.UTF8, "application/json");
                return r;
            }
        }

        [Theory]
        [InlineData(false, false)]
        [InlineData(true, false)]
        [InlineData(false, true)]
        public async Task A_gateway_that_closes_every_socket_once_it_answered_is_reconnected_at_the_backoffs_pace(bool failRecovery, bool shortToken)
        {
            // It was 302 sockets in 10 minutes; failing every recovery, 317 sockets and 159 subscriptions never deleted;
            // with wstoken expires_in: 1, 23 wstoken requests in 5 minutes and a wait that ended past its deadline.
            using var rig = await Rig.StartAsync(new EmulatorOptions { TalkTime = TimeSpan.FromMinutes(30) });
            var sockets = 0;
            var sent = new List<string>();
            using var session = await RingCentralSession.ConnectAsync(rig.Options(configure: o =>
            {
                o.EventSocket = async (address, ct) => { sockets++; return new Flapping(await RingOut.PowerShell.InProcessEventSocket.For(rig.Emulator)(address, ct), failRecovery, sent.Add); };
                if (shortToken) { var transport = o.Transport; o.Transport = () => new ShortToken(transport()); }
            }));
            await session.TelephonyEventsAsync();
            var calls = new List<RingOutCall>();
            for (var i = 0; i < 3; i++) calls.Add(await session.PlaceCallAsync(new RingOutCallRequest { To = "+1415555012" + i }));
            var deadline = rig.Clock.GetUtcNow() + TimeSpan.FromMinutes(10);
            var wstokens = rig.Count("POST", "wstoken");
            var watcher = new CallWatcher(rig.Clock, TimeSpan.FromSeconds(3), RingOutWaitCondition.Ended) { Deadline = deadline };
            foreach (var c in calls) watcher.Add(c);
            var said = new List<string>();
            while (watcher.PendingCount > 0 && rig.Clock.GetUtcNow() < deadline)
            {
                await watcher.NextAsync(deadline, CancellationToken.None);
                if (watcher.EventsUnavailable != null) said.Add(watcher.EventsUnavailable); // what -Verbose says
            }
            Assert.Contains(said, m => m.Contains("s after it was opened; trying again after"));
            Assert.InRange(rig.Clock.GetUtcNow() - deadline, TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(1));
            // Backoff 2 s doubling to 2 min: about 10 sockets in 10 minutes, each a wstoken at most.
            Assert.InRange(sockets, 2, 16);
            Assert.InRange(rig.Count("POST", "wstoken") - wstokens, 0, 16);
            // A recovery that failed moves the subscription onto the new socket: one subscription, never a pile.
            Assert.Single(sent, t => t.Contains("\"POST\"") && t.Contains("/subscription"));
        }

        [Fact]
        public async Task A_renewal_whose_budget_has_no_room_before_the_deadline_is_not_waited_for_past_it()
        {
            using var rig = await Rig.StartAsync(new EmulatorOptions { TalkTime = TimeSpan.FromMinutes(30) });
            using var session = await RingCentralSession.ConnectAsync(rig.Options(configure: o => o.EventSocket = Tampered(rig.Emulator, f => f)));
            var channel = await session.TelephonyEventsAsync();
            rig.Clock.AutoAdvance = false;
            rig.Clock.Advance(TimeSpan.FromMinutes(14)); // the 15 minutes' subscription is renewed 2 minutes ahead
            rig.Clock.AutoAdvance = true;
            session.Budget.Penalize(RateGroup.Medium, TimeSpan.FromMinutes(10));
            var until = rig.Clock.GetUtcNow() + TimeSpan.FromSeconds(20);
            await Assert.ThrowsAsync<TimeoutException>(() => channel.KeepAliveAndReadAsync(0, until, CancellationToken.None));
            Assert.True(rig.Clock.GetUtcNow() <= until, $"{(rig.Clock.GetUtcNow() - until).TotalSeconds:0} s past the deadline");
        }
    }
}
