using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client;
using RingOut.Client.Http;
using RateGroup = RingOut.Client.Http.RateGroup;
using RingOut.Emulator;
using Xunit;

namespace RingOut.Client.Tests
{
    public sealed class SessionTests
    {
        [Fact]
        public async Task Connecting_learns_who_and_where_and_shows_no_secret()
        {
            using var rig = await Rig.StartAsync();
            var s = rig.Session;
            Assert.Equal(DemoAccount.AccountId, s.AccountId);
            Assert.Equal(DemoAccount.UserExtensionId, s.ExtensionId);
            Assert.Equal("101", s.ExtensionNumber);
            Assert.Equal("Demo User", s.UserName);
            Assert.Equal(rig.Clock.GetUtcNow().AddHours(1), s.AccessTokenExpiresOn);
            Assert.True(s.CanRefresh);
            var shown = s.ToString() + string.Join(" ", typeof(RingCentralSession).GetProperties().Select(p => p.GetValue(s)?.ToString()));
            Assert.DoesNotContain(DemoAccount.ClientSecret, shown);
            Assert.DoesNotContain(DemoAccount.UserJwt, shown);
            Assert.DoesNotContain("RCEMU-", shown); // no access or refresh token
        }

        [Fact]
        public async Task A_refused_sign_in_says_so_without_repeating_the_credential()
        {
            var rig = await Rig.StartAsync();
            var e = await Assert.ThrowsAsync<RingCentralAuthenticationException>(() =>
                RingCentralSession.ConnectAsync(rig.Options(jwt: "eyJ.not-a-known.jwt")));
            Assert.Equal("OAU-140", e.ErrorCode);
            Assert.DoesNotContain("eyJ.not-a-known.jwt", e.ToString());
            Assert.DoesNotContain(DemoAccount.ClientSecret, e.ToString());
        }

        [Fact]
        public async Task Without_a_from_the_default_forwarding_number_is_sent_read_once_per_session_and_shown_as_From()
        {
            using var rig = await Rig.StartAsync();
            var first = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123" });
            var second = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550124" });
            Assert.Equal(DemoAccount.DefaultForwardingNumber, first.From);
            Assert.Equal(DemoAccount.DefaultForwardingNumber, second.From);
            Assert.All(rig.Emulator.Calls, c => Assert.Equal(DemoAccount.DefaultForwardingNumber, c.From)); // what was sent
            Assert.Equal(1, rig.Count("GET", "forwarding-number"));

            using var bare = await Rig.StartAsync(jwt: DemoAccount.NoForwardingJwt);
            var e = await Assert.ThrowsAsync<RingOutNoForwardingNumberException>(() => bare.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123" }));
            Assert.Contains("+14155550123", e.Message);
            Assert.Equal(0, bare.Count("POST", "ring-out"));
        }

        [Fact]
        public async Task A_call_is_placed_polled_and_its_id_kept_as_an_opaque_string()
        {
            using var rig = await Rig.StartAsync();
            var call = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "(415) 555-0123", From = "+1 650 555 0002" });
            Assert.Matches("^[0-9]+$", call.Id);
            Assert.Equal("+14155550123", call.To);
            Assert.Equal("+16505550002", call.From);
            Assert.Equal(RingOutCallState.InProgress, call.State);
            Assert.Contains("/ringout/" + call.Id, call.Uri);
            rig.Clock.Advance(TimeSpan.FromSeconds(12));
            var later = await rig.Session.RefreshCallAsync(call);
            Assert.Equal(RingOutCallState.Connected, later.State);
            Assert.Equal(call.To, later.To);
            Assert.True(later.RetrievedAt > call.RetrievedAt);
            Assert.Equal(1, rig.Count("GET", "ring-out"));
        }

        [Fact]
        public async Task A_national_number_is_read_once_in_the_region_the_caller_gives()
        {
            using var rig = await Rig.StartAsync();
            var call = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "020 7946 0958", DefaultRegion = "GB" });
            Assert.Equal("+442079460958", call.To);
            // Without one, in the extension's home country (the demo user's is the US).
            Assert.Equal("+14155550123", (await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "(415) 555-0123" })).To);
        }

        [Fact]
        public async Task A_call_read_again_through_another_session_belongs_to_that_session_and_keeps_its_numbers()
        {
            using var rig = await Rig.StartAsync();
            using var other = await RingCentralSession.ConnectAsync(rig.Options());
            var call = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123", From = "+16505550002" });
            var fresh = call.UpdatedBy(await other.GetCallAsync(call.Id));
            Assert.Same(other, fresh.Session);
            Assert.Equal("+14155550123", fresh.To);
            Assert.Equal("+16505550002", fresh.From);
            Assert.Equal(call.PlacedAt, fresh.PlacedAt);
        }

        [Fact]
        public async Task Ids_as_strings_unknown_statuses_and_extra_fields_all_parse()
        {
            var handler = new CannedHandler("{\"id\":\"ro-77\",\"uri\":\"/x/ringout/ro-77?#\",\"extra\":{\"a\":[1]},\"status\":{\"callStatus\":\"SomethingNew\",\"callerStatus\":\"NosuchUser\",\"calleeStatus\":\"Success\",\"more\":1}}");
            using var session = await RingCentralSession.ConnectAsync(new RingCentralConnectOptions
            {
                Server = new Uri("https://example.invalid"), AccessToken = Secret.From("T"), Transport = () => handler,
            });
            var call = await session.GetCallAsync("77");
            Assert.Equal("ro-77", call.Id); // read and kept as it came, though only digits are ever sent in a path
            Assert.Equal(RingOutStatus.Unknown, call.CallStatus);
            Assert.Equal("SomethingNew", call.CallStatusText);
            Assert.Equal(RingOutStatus.NoSuchUser, call.CallerStatus);
            Assert.Equal(RingOutStatus.Success, call.CalleeStatus);
        }

        /// <summary>Answers every request with one body (and a who-am-I for the connect).</summary>
        private sealed class CannedHandler : HttpMessageHandler
        {
            private readonly string _body;
            public CannedHandler(string body) { _body = body; }
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var body = request.RequestUri.AbsolutePath.EndsWith("/extension/~") ? "{\"id\":1,\"account\":{\"id\":2}}" : _body;
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
            }
        }

        [Fact]
        public async Task The_token_is_refreshed_ahead_of_expiry_once_for_many_concurrent_callers()
        {
            using var rig = await Rig.StartAsync();
            rig.Clock.AutoAdvance = false;
            rig.Clock.Advance(TimeSpan.FromSeconds(3600 - 30)); // inside the 60 s margin
            rig.Clock.AutoAdvance = true;
            var calls = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => rig.Session.GetForwardingNumbersAsync()));
            Assert.All(calls, c => Assert.Equal(3, c.Count));
            Assert.Equal(2, rig.Count("POST", "token")); // the login and one refresh
            Assert.Equal(1, rig.Session.TokenRefreshCount);
            Assert.Equal(0, rig.Emulator.Statistics.Count("GET", "forwarding-number") - 20);
        }

        [Fact]
        public async Task A_401_that_says_the_token_expired_is_followed_by_one_refresh_and_one_retry()
        {
            using var rig = await Rig.StartAsync();
            rig.Emulator.Faults.Add(FaultKind.ExpireAccessToken, "GET", "forwarding-number", 1);
            var numbers = await rig.Session.GetForwardingNumbersAsync();
            Assert.Equal(3, numbers.Count);
            Assert.Equal(2, rig.Count("GET", "forwarding-number"));
            Assert.Equal(2, rig.Count("POST", "token"));
        }

        [Fact]
        public async Task A_revoked_session_whose_JWT_is_refused_too_ends_with_a_clear_error_naming_Connect_RingCentral()
        {
            using var rig = await Rig.StartAsync();
            rig.Emulator.Reset(); // the platform forgets every token
            var refusal = rig.Emulator.Faults.Add(FaultKind.ServerError, "POST", "token", 2); // the refresh, then the JWT
            refusal.StatusCode = 400; refusal.RetryAfterSeconds = null;
            var e = await Assert.ThrowsAsync<RingCentralAuthenticationException>(() => rig.Session.GetForwardingNumbersAsync());
            Assert.Contains("Connect-RingCentral", e.Message);
            Assert.Contains("Signing in again with the JWT credential was refused too", e.Message);
            // The session is now known dead: no further requests are sent.
            var before = rig.Emulator.Statistics.TotalRequests;
            await Assert.ThrowsAsync<RingCentralAuthenticationException>(() => rig.Session.GetForwardingNumbersAsync());
            Assert.Equal(before, rig.Emulator.Statistics.TotalRequests);
        }

        [Fact]
        public async Task A_session_RingCentral_ended_signs_in_again_with_its_JWT_once_and_says_why()
        {
            using var rig = await Rig.StartAsync();
            Assert.True(rig.Session.CanSignInAgain);
            rig.Emulator.Reset(); // the platform forgets every token: the refresh is refused
            var told = new List<string>();
            using (RingCentralSession.ObserveExchanges(null, false, told.Add))
            {
                // Three requests at once: one refresh, one sign-in, shared by all (single-flight).
                await Task.WhenAll(rig.Session.GetForwardingNumbersAsync(), rig.Session.GetForwardingNumbersAsync(), rig.Session.GetForwardingNumbersAsync());
            }
            var signIn = Assert.Single(rig.Session.SignInsAgain);
            Assert.Contains("RingCentral refused to refresh the session (OAU-211", signIn.Reason);
            Assert.Equal("Signed in again with the JWT credential: " + signIn.Reason, Assert.Single(told));
            Assert.Equal(2L, rig.Count("POST", "token")); // after the reset: one refresh (refused), one JWT sign-in
            await rig.Session.GetForwardingNumbersAsync();
            Assert.Single(rig.Session.SignInsAgain);
        }

        /// <summary>
        /// A session RingCentral ends again and again after it signed in again and used the new session (a server that
        /// ends it every other request) does not sign in every minute or two without end: after three in an hour it is over, saying why.
        /// </summary>
        [Fact]
        public async Task A_session_ended_again_and_again_stops_signing_in_after_three_in_an_hour()
        {
            using var rig = await Rig.StartAsync();
            for (var i = 0; i < 3; i++)
            {
                await Task.Delay(TimeSpan.FromMinutes(2), rig.Clock);
                rig.Emulator.Reset(); // the platform forgets every token: the refresh is refused
                await rig.Session.GetForwardingNumbersAsync(); // signs in again, and succeeds with the new session
            }
            Assert.Equal(3, rig.Session.SignInsAgain.Count);
            await Task.Delay(TimeSpan.FromMinutes(2), rig.Clock);
            rig.Emulator.Reset();
            var tokenPosts = rig.Count("POST", "token");
            var e = await Assert.ThrowsAsync<RingCentralAuthenticationException>(() => rig.Session.GetForwardingNumbersAsync());
            Assert.Contains("RingCentral refused to refresh the session (OAU-211", e.Message);
            Assert.Contains("already signed in again with the JWT credential 3 times in the last 60 minutes", e.Message);
            Assert.Contains("Connect-RingCentral", e.Message);
            Assert.Equal(FailureKind.EndsSession, Failures.Classify(e));
            Assert.Equal(tokenPosts + 1, rig.Count("POST", "token")); // the refused refresh, and no fourth sign-in
            Assert.Equal(3, rig.Session.SignInsAgain.Count);
            await Assert.ThrowsAsync<RingCentralAuthenticationException>(() => rig.Session.GetForwardingNumbersAsync());
            Assert.Equal(tokenPosts + 1, rig.Count("POST", "token"));
        }

        /// <summary>Sign-ins again spread over hours (a refresh token that expires, a revocation now and then) go on.</summary>
        [Fact]
        public async Task A_session_ended_now_and_then_signs_in_again_each_time()
        {
            using var rig = await Rig.StartAsync();
            for (var i = 0; i < 6; i++)
            {
                await Task.Delay(TimeSpan.FromMinutes(25), rig.Clock);
                rig.Emulator.Reset();
                await rig.Session.GetForwardingNumbersAsync();
            }
            Assert.Equal(6, rig.Session.SignInsAgain.Count);
        }

        [Fact]
        public async Task A_session_opened_with_an_access_token_cannot_sign_in_again_and_says_so()
        {
            using var rig = await Rig.StartAsync();
            // A token got elsewhere (as a user of -AccessToken would), from the emulator's token endpoint.
            using var http = new HttpClient(rig.Emulator.CreateHandler()) { BaseAddress = RingCentralEmulator.InProcessBaseUri };
            using var login = new HttpRequestMessage(HttpMethod.Post, "/restapi/oauth/token")
            {
                Content = new FormUrlEncodedContent(new System.Collections.Generic.Dictionary<string, string> { ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer", ["assertion"] = DemoAccount.UserJwt }),
            };
            login.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(DemoAccount.ClientId + ":" + DemoAccount.ClientSecret)));
            var token = System.Text.Json.JsonDocument.Parse(await (await http.SendAsync(login)).Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString();
            using var bare = await RingCentralSession.ConnectAsync(rig.Options(configure: o => { o.Jwt = null; o.AccessToken = Secret.From(token); }));
            Assert.False(bare.CanSignInAgain);
            rig.Emulator.Reset();
            var e = await Assert.ThrowsAsync<RingCentralAuthenticationException>(() => bare.GetForwardingNumbersAsync());
            Assert.Contains("opened with an access token, not a JWT credential, so it cannot sign in again by itself", e.Message);
            Assert.Contains("Connect-RingCentral", e.Message);
            Assert.Empty(bare.SignInsAgain);
        }

        [Fact]
        public async Task A_sixth_sign_in_of_one_user_revokes_the_oldest_session_which_signs_in_again()
        {
            using var rig = await Rig.StartAsync();
            var others = new List<RingCentralSession>();
            for (var i = 0; i < 5; i++) others.Add(await RingCentralSession.ConnectAsync(rig.Options()));
            Assert.Equal(1L, rig.Emulator.Statistics.SessionsRevoked); // RingCentral's limit: five per user and app
            await rig.Session.GetForwardingNumbersAsync();              // the oldest: revoked, so it signs in again
            Assert.Contains("OAU-211", Assert.Single(rig.Session.SignInsAgain).Reason);
            Assert.Equal(2L, rig.Emulator.Statistics.SessionsRevoked); // and that revoked the oldest of the others
            foreach (var o in others) o.Dispose();
        }

        [Fact]
        public async Task Disconnect_revokes_the_tokens()
        {
            using var rig = await Rig.StartAsync();
            await rig.Session.DisconnectAsync();
            Assert.False(rig.Session.IsConnected);
            Assert.Equal(1, rig.Count("POST", "revoke"));
            await Assert.ThrowsAsync<ObjectDisposedException>(() => rig.Session.GetForwardingNumbersAsync());
        }

        [Fact]
        public async Task Twenty_five_calls_are_paced_to_the_heavy_limit_without_a_single_429()
        {
            using var rig = await Rig.StartAsync();
            var start = rig.Clock.GetUtcNow();
            for (var i = 0; i < 25; i++)
                await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123" });
            var took = rig.Clock.GetUtcNow() - start;
            Assert.Equal(0, rig.Emulator.Statistics.TooManyRequestsSent);
            Assert.Equal(25, rig.Emulator.Statistics.CallsCreated);
            Assert.Equal(25, rig.Count("POST", "ring-out"));
            // Two full windows must pass before calls 11 and 21 may go; no more than that (plus the safety margins).
            Assert.InRange(took.TotalSeconds, 120, 121);
        }

        [Fact]
        public async Task A_429_is_waited_out_with_nothing_sent_meanwhile_and_the_call_placed_once()
        {
            using var rig = await Rig.StartAsync();
            var rule = rig.Emulator.Faults.Add(FaultKind.TooManyRequests, "POST", "ring-out", 1);
            rule.RetryAfterSeconds = 45;
            var start = rig.Clock.GetUtcNow();
            var call = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123" });
            Assert.NotNull(call.Id);
            Assert.True(rig.Clock.GetUtcNow() - start >= TimeSpan.FromSeconds(45));
            Assert.Equal(2, rig.Count("POST", "ring-out"));
            Assert.Equal(1, rig.Emulator.Statistics.CallsCreated);
        }

        [Fact]
        public async Task A_post_is_retried_after_503_with_Retry_After_but_not_after_a_plain_503()
        {
            using var rig = await Rig.StartAsync();
            rig.Emulator.Faults.Add(FaultKind.ServerError, "POST", "ring-out", 1).RetryAfterSeconds = 3;
            await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123" });
            Assert.Equal(1, rig.Emulator.Statistics.CallsCreated);

            // A plain 503 does not prove that nothing was done (issue 10): not sent again, and said to be unknown.
            rig.Emulator.Faults.Add(FaultKind.ServerError, "POST", "ring-out", 1).RetryAfterSeconds = null;
            var e = await Assert.ThrowsAsync<RingOutOutcomeUnknownException>(() => rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123" }));
            Assert.Contains("HTTP 503", e.Message);
            Assert.Contains("RCRequestId", e.Message);
            Assert.Equal(3, rig.Count("POST", "ring-out"));
            Assert.Equal(1, rig.Emulator.Statistics.CallsCreated);
        }

        [Fact]
        public async Task A_get_is_retried_after_a_plain_503_and_a_dropped_connection()
        {
            using var rig = await Rig.StartAsync();
            var call = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123" });
            rig.Emulator.Faults.Add(FaultKind.ServerError, "GET", "ring-out", 2).RetryAfterSeconds = null;
            rig.Emulator.Faults.Add(FaultKind.DropAfterActing, "GET", "ring-out", 1);
            var fresh = await rig.Session.RefreshCallAsync(call);
            Assert.False(fresh.IsGone);
            Assert.Equal(4, rig.Count("GET", "ring-out"));
        }

        [Fact]
        public async Task A_post_whose_connection_failed_before_sending_is_retried_and_placed_once()
        {
            using var rig = await Rig.StartAsync();
            rig.Emulator.Faults.Add(FaultKind.DropBeforeActing, "POST", "ring-out", 2);
            var call = await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123" });
            Assert.NotNull(call.Id);
            Assert.Equal(1, rig.Emulator.Statistics.CallsCreated);
        }

        [Fact]
        public async Task A_post_whose_answer_was_lost_is_reported_as_unknown_and_never_sent_again()
        {
            using var rig = await Rig.StartAsync();
            rig.Emulator.Faults.Add(FaultKind.DropAfterActing, "POST", "ring-out", 1);
            var e = await Assert.ThrowsAsync<RingOutOutcomeUnknownException>(() => rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123" }));
            Assert.Contains("+14155550123", e.Message);
            Assert.Contains("not sent again", e.Message);
            Assert.Equal(1, rig.Count("POST", "ring-out"));
            Assert.Equal(1, rig.Emulator.Statistics.CallsCreated);

            rig.Emulator.Faults.Add(FaultKind.TruncatedBody, "POST", "ring-out", 1);
            var t = await Assert.ThrowsAsync<RingOutOutcomeUnknownException>(() => rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550199" }));
            Assert.Contains("probably placed", t.Message);
            Assert.Equal(2, rig.Count("POST", "ring-out"));
        }

        [Fact]
        public async Task A_latency_fault_delays_the_answer_on_the_emulators_clock()
        {
            using var rig = await Rig.StartAsync();
            rig.Emulator.Faults.Add(FaultKind.Latency, "GET", "forwarding-number", 1).Latency = TimeSpan.FromSeconds(7);
            var start = rig.Clock.GetUtcNow();
            await rig.Session.GetForwardingNumbersAsync();
            Assert.True(rig.Clock.GetUtcNow() - start >= TimeSpan.FromSeconds(7));
        }

        [Theory]
        [InlineData(0, 5, 0)]     // five of ten free: at once
        [InlineData(0, 10, 0)]
        [InlineData(0, 11, 60)]   // the eleventh waits for the first to leave the window
        [InlineData(10, 90, 540)] // ten sent: ninety more take nine windows
        [InlineData(3, 25, 120)]
        public async Task The_budget_estimates_how_long_a_run_takes(int alreadySent, int more, int seconds)
        {
            var clock = new VirtualClock();
            var budget = new RateBudget(clock) { SafetyMargin = TimeSpan.Zero };
            for (var i = 0; i < alreadySent; i++) await budget.TakeAsync(RateGroup.Heavy, CancellationToken.None);
            Assert.Equal(TimeSpan.FromSeconds(seconds), budget.EstimateTime(RateGroup.Heavy, more));
        }

        [Fact]
        public async Task The_budget_takes_the_servers_word_that_nothing_is_left()
        {
            var clock = new VirtualClock();
            var budget = new RateBudget(clock);
            var response = new HttpResponseMessage(HttpStatusCode.OK);
            response.Headers.Add("X-Rate-Limit-Limit", "40");
            response.Headers.Add("X-Rate-Limit-Remaining", "0");
            response.Headers.Add("X-Rate-Limit-Window", "30");
            await budget.TakeAsync(RateGroup.Light, CancellationToken.None);
            await budget.ObserveAsync(RateGroup.Light, ServerValues.Rate(response), 200, CancellationToken.None);
            var state = budget.State(RateGroup.Light);
            Assert.Equal(40, state.Limit);
            Assert.Equal(TimeSpan.FromSeconds(30), state.Window);
            Assert.Equal(0, state.Available);
            // It counts 40 where this client sent one: other clients of the user and app, refused a moment later
            // perhaps, which starts RingCentral's penalty: quiet for the window and the margin.
            Assert.Equal(TimeSpan.FromSeconds(30) + budget.QuietMargin(TimeSpan.FromSeconds(30)), budget.WaitTime(RateGroup.Light));
        }
    }
}
