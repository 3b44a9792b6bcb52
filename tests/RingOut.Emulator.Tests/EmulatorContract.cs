using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace RingOut.Emulator.Tests
{
    public sealed class InProcessEmulatorTests : EmulatorContract<InProcessHosting>
    {
        public InProcessEmulatorTests(InProcessHosting h) : base(h) { }
    }

    public sealed class LoopbackEmulatorTests : EmulatorContract<LoopbackHosting>
    {
        public LoopbackEmulatorTests(LoopbackHosting h) : base(h) { }

        [Fact]
        public void The_server_prints_the_quick_start_variables_for_its_demo_app()
        {
            Assert.StartsWith("http://127.0.0.1:", Host.Printed["RC_SERVER_URL"]);
            Assert.Equal(DemoAccount.ClientId, Host.Printed["RC_APP_CLIENT_ID"]);
            Assert.Equal(DemoAccount.ClientSecret, Host.Printed["RC_APP_CLIENT_SECRET"]);
            Assert.Equal(DemoAccount.UserJwt, Host.Printed["RC_USER_JWT"]);
        }
    }

    /// <summary>RingCentral's behaviour as the emulator must show it, whichever way it is hosted.</summary>
    public abstract class EmulatorContract<THosting> : IClassFixture<THosting>, IAsyncLifetime where THosting : class, IHosting
    {
        protected const string RingOut = "/restapi/v1.0/account/~/extension/~/ring-out";
        protected readonly THosting Host;

        protected EmulatorContract(THosting host) { Host = host; }

        public Task InitializeAsync() => Host.ResetAsync(rateLimits: true);
        public Task DisposeAsync() => Task.CompletedTask;

        protected sealed class Reply
        {
            public HttpStatusCode Status;
            public JsonElement Json;
            public HttpResponseMessage Message;
            public string Header(string name) =>
                Message.Headers.TryGetValues(name, out var v) || Message.Content.Headers.TryGetValues(name, out v) ? v.First() : null;
            public string ErrorCode => Json.ValueKind == JsonValueKind.Object && Json.TryGetProperty("errorCode", out var c) ? c.GetString() : null;
            public string Str(string name) => Json.GetProperty(name).GetString();
            public string Status3(string leg) => Json.GetProperty("status").GetProperty(leg).GetString();
            public string Statuses => $"{Status3("callStatus")}/{Status3("callerStatus")}/{Status3("calleeStatus")}";
        }

        protected async Task<Reply> SendAsync(HttpMethod method, string path, string token = null, string json = null,
            string contentType = "application/json", HttpContent content = null)
        {
            var req = new HttpRequestMessage(method, path);
            if (token != null) req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (json != null) req.Content = new StringContent(json, Encoding.UTF8, contentType);
            if (content != null) req.Content = content;
            var resp = await Host.Http.SendAsync(req);
            var text = await resp.Content.ReadAsStringAsync();
            JsonElement parsed = default;
            if (text.Length > 0) { try { parsed = JsonDocument.Parse(text).RootElement; } catch (JsonException) { } }
            return new Reply { Status = resp.StatusCode, Json = parsed, Message = resp };
        }

        protected Task<Reply> TokenAsync(IDictionary<string, string> form, string clientId = DemoAccount.ClientId, string secret = DemoAccount.ClientSecret)
        {
            var req = new FormUrlEncodedContent(form);
            return BasicAsync("/restapi/oauth/token", req, clientId, secret);
        }

        protected async Task<Reply> BasicAsync(string path, HttpContent content, string clientId = DemoAccount.ClientId, string secret = DemoAccount.ClientSecret)
        {
            var req = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
            if (clientId != null)
                req.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(clientId + ":" + secret)));
            var resp = await Host.Http.SendAsync(req);
            var text = await resp.Content.ReadAsStringAsync();
            return new Reply { Status = resp.StatusCode, Json = text.Length > 0 ? JsonDocument.Parse(text).RootElement : default, Message = resp };
        }

        protected async Task<(string access, string refresh)> LoginAsync(string jwt = DemoAccount.UserJwt)
        {
            var r = await TokenAsync(new Dictionary<string, string> { ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer", ["assertion"] = jwt });
            Assert.Equal(HttpStatusCode.OK, r.Status);
            return (r.Str("access_token"), r.Str("refresh_token"));
        }

        /// <summary>POST ring-out to <paramref name="to"/>, from the demo user's first forwarding number unless <paramref name="extra"/> names a from.</summary>
        protected async Task<Reply> PlaceAsync(string token, string to = "+14155550123", string extra = "", string path = RingOut) =>
            await SendAsync(HttpMethod.Post, path, token,
                $"{{\"to\":{{\"phoneNumber\":\"{to}\"}}{(extra.Contains("\"from\"") ? "" : $",\"from\":{{\"phoneNumber\":\"{DemoAccount.DefaultForwardingNumber}\"}}")}{extra}}}");

        protected static string IdOf(Reply r) => r.Json.GetProperty("id").GetRawText();

        // ------------------------------------------------------------------ OAuth

        // ------------------------------------------------------------------ call log, active calls, Call Control

        private const string CallLogPath = "/restapi/v1.0/account/~/extension/~/call-log";

        [Fact]
        public async Task A_calls_log_record_appears_after_it_ends_with_its_sessions_result_and_talk_time_but_no_RingOut_id()
        {
            var (access, _) = await LoginAsync();
            var connects = await PlaceAsync(access, "+14155550123");
            var busy = await PlaceAsync(access, "+16505550101");
            var active = await SendAsync(HttpMethod.Get, "/restapi/v1.0/account/~/extension/~/active-calls", access);
            Assert.Equal(HttpStatusCode.OK, active.Status);
            Assert.Equal(2, active.Json.GetProperty("records").GetArrayLength());
            Assert.Equal("heavy", active.Header("X-Rate-Limit-Group"));
            Assert.Equal(0, (await SendAsync(HttpMethod.Get, CallLogPath, access)).Json.GetProperty("records").GetArrayLength());

            await Host.AdvanceAsync(TimeSpan.FromMinutes(2)); // both over (11 s to connect, 20 s of talk) and past the 20 s lag
            var log = await SendAsync(HttpMethod.Get, CallLogPath + "?view=Simple&type=Voice&dateFrom=2000-01-01T00:00:00.000Z&perPage=1000", access);
            Assert.Equal(HttpStatusCode.OK, log.Status);
            Assert.Equal("heavy", log.Header("X-Rate-Limit-Group"));
            var records = log.Json.GetProperty("records").EnumerateArray().ToArray();
            Assert.Equal(2, records.Length);
            var byTo = records.ToDictionary(r => r.GetProperty("to").GetProperty("phoneNumber").GetString());
            var ok = byTo["+14155550123"];
            Assert.Equal("Call connected", ok.GetProperty("result").GetString());
            Assert.Equal(20, ok.GetProperty("duration").GetInt32());
            Assert.Equal("RingOut Web", ok.GetProperty("action").GetString());
            Assert.StartsWith("s-", ok.GetProperty("telephonySessionId").GetString());
            Assert.Equal("Busy", byTo["+16505550101"].GetProperty("result").GetString());
            Assert.Equal(0, byTo["+16505550101"].GetProperty("duration").GetInt32());
            foreach (var r in records)
                Assert.DoesNotContain(connects.Json.GetProperty("id").GetRawText(), r.GetRawText().Replace(r.GetProperty("sessionId").GetString(), ""));
            Assert.Equal(0, (await SendAsync(HttpMethod.Get, "/restapi/v1.0/account/~/extension/~/active-calls", access)).Json.GetProperty("records").GetArrayLength());
            Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, CallLogPath + "?dateFrom=yesterday", access)).Status);
        }

        [Fact]
        public async Task Active_calls_have_a_uri_and_detailed_call_log_legs_have_type_action_and_start_time()
        {
            var (access, _) = await LoginAsync();
            await PlaceAsync(access, "+14155550123");
            var active = await SendAsync(HttpMethod.Get, "/restapi/v1.0/account/~/extension/~/active-calls", access);
            var live = active.Json.GetProperty("records")[0];
            Assert.EndsWith("/call-log/" + live.GetProperty("id").GetString(), live.GetProperty("uri").GetString());

            await Host.AdvanceAsync(TimeSpan.FromMinutes(2));
            var log = await SendAsync(HttpMethod.Get, CallLogPath + "?view=Detailed", access);
            var record = log.Json.GetProperty("records")[0];
            var legs = record.GetProperty("legs").EnumerateArray().ToArray();
            Assert.Equal(2, legs.Length);
            foreach (var leg in legs)
            {
                Assert.Equal("Voice", leg.GetProperty("type").GetString());
                Assert.Equal("RingOut Web", leg.GetProperty("action").GetString());
                Assert.Equal(record.GetProperty("startTime").GetString(), leg.GetProperty("startTime").GetString());
            }
        }

        [Fact]
        public async Task Call_log_reasons_are_among_the_specs_values_and_the_log_defaults_to_the_last_24_hours()
        {
            var (access, _) = await LoginAsync();
            var old = await PlaceAsync(access, "+16505550103"); // rejected
            await Host.AdvanceAsync(TimeSpan.FromHours(25));
            (access, _) = await LoginAsync();
            await PlaceAsync(access, "+16505550103");
            var cancelled = await PlaceAsync(access, "+14155550123");
            Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"{RingOut}/{IdOf(cancelled)}", access)).Status);
            await Host.AdvanceAsync(TimeSpan.FromMinutes(2));
            var log = await SendAsync(HttpMethod.Get, CallLogPath, access); // no dateFrom: the last 24 hours
            var reasons = log.Json.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("result").GetString() + "/" + r.GetProperty("reason").GetString()).OrderBy(x => x).ToArray();
            Assert.Equal(new[] { "Hang Up/Hang Up", "Rejected/Calls Not Accepted" }, reasons);
            var all = await SendAsync(HttpMethod.Get, CallLogPath + "?dateFrom=2000-01-01T00:00:00.000Z", access);
            Assert.Equal(3, all.Json.GetProperty("records").GetArrayLength());
        }

        [Fact]
        public async Task Subscriptions_are_served_over_plain_http_too()
        {
            var (access, _) = await LoginAsync();
            const string Sub = "/restapi/v1.0/subscription";
            var filters = "\"eventFilters\":[\"/restapi/v1.0/account/~/extension/~/telephony/sessions\"]";
            var created = await SendAsync(HttpMethod.Post, Sub, access, $"{{{filters},\"deliveryMode\":{{\"transportType\":\"WebHook\",\"address\":\"https://example.invalid/hook\"}}}}");
            Assert.Equal(HttpStatusCode.OK, created.Status);
            Assert.Equal("medium", created.Header("X-Rate-Limit-Group"));
            Assert.Equal("WebHook", created.Json.GetProperty("deliveryMode").GetProperty("transportType").GetString());
            var id = created.Str("id");
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"{Sub}/{id}", access)).Status);
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Put, $"{Sub}/{id}", access, $"{{{filters}}}")).Status);
            Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"{Sub}/{id}", access)).Status);
            var gone = await SendAsync(HttpMethod.Get, $"{Sub}/{id}", access);
            Assert.Equal(HttpStatusCode.NotFound, gone.Status);
            Assert.Equal("CMN-102", gone.ErrorCode);
            var socketOnly = await SendAsync(HttpMethod.Post, Sub, access, $"{{{filters},\"deliveryMode\":{{\"transportType\":\"WebSocket\"}}}}");
            Assert.Equal(HttpStatusCode.BadRequest, socketOnly.Status);
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Get, $"{Sub}/{id}")).Status);
        }

        [Fact]
        public async Task Call_Control_ends_a_connected_RingOut_for_both_parties_and_the_RingOut_reads_Finished()
        {
            var (access, _) = await LoginAsync();
            var placed = await PlaceAsync(access, "+14155550123");
            var id = placed.Json.GetProperty("id").GetRawText();
            await Host.AdvanceAsync(TimeSpan.FromSeconds(12)); // connected: the RingOut can no longer be cancelled
            Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Delete, $"{RingOut}/{id}", access)).Status);
            var active = (await SendAsync(HttpMethod.Get, "/restapi/v1.0/account/~/extension/~/active-calls", access)).Json.GetProperty("records")[0];
            var session = "/restapi/v1.0/account/~/telephony/sessions/" + active.GetProperty("telephonySessionId").GetString();

            var read = await SendAsync(HttpMethod.Get, session, access);
            Assert.Equal("RingOut", read.Json.GetProperty("origin").GetProperty("type").GetString());
            Assert.Equal(new[] { "Answered", "Answered" }, read.Json.GetProperty("parties").EnumerateArray().Select(p => p.GetProperty("status").GetProperty("code").GetString()).ToArray());
            Assert.Equal("light", read.Header("X-Rate-Limit-Group"));

            Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, session, access)).Status);
            var after = await SendAsync(HttpMethod.Get, session, access);
            Assert.Equal(new[] { "Disconnected", "Disconnected" }, after.Json.GetProperty("parties").EnumerateArray().Select(p => p.GetProperty("status").GetProperty("code").GetString()).ToArray());
            Assert.Equal("Success/Finished/Finished", (await SendAsync(HttpMethod.Get, $"{RingOut}/{id}", access)).Statuses);
            Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Delete, session, access)).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/restapi/v1.0/account/~/telephony/sessions/s-nosuch", access)).Status);

            await Host.AdvanceAsync(TimeSpan.FromSeconds(30));
            var record = (await SendAsync(HttpMethod.Get, CallLogPath, access)).Json.GetProperty("records")[0];
            Assert.Equal("Call connected", record.GetProperty("result").GetString());
            Assert.Equal(1, record.GetProperty("duration").GetInt32()); // hung up 1 s after the callee answered
        }

        [Fact]
        public async Task Jwt_login_returns_a_documented_token_info()
        {
            var r = await TokenAsync(new Dictionary<string, string> { ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer", ["assertion"] = DemoAccount.UserJwt });
            Assert.Equal(HttpStatusCode.OK, r.Status);
            Assert.Equal("bearer", r.Str("token_type"));
            Assert.Equal(3600, r.Json.GetProperty("expires_in").GetInt32());
            Assert.Equal(604800, r.Json.GetProperty("refresh_token_expires_in").GetInt32());
            Assert.Equal(JsonValueKind.String, r.Json.GetProperty("owner_id").ValueKind);
            Assert.Equal(DemoAccount.UserExtensionId, r.Str("owner_id"));
            Assert.False(string.IsNullOrEmpty(r.Str("session_id")));
            Assert.Contains("RingOut", r.Str("scope"));
            Assert.Equal("auth", r.Header("X-Rate-Limit-Group"));
            Assert.Equal("5", r.Header("X-Rate-Limit-Limit"));
            Assert.Equal("4", r.Header("X-Rate-Limit-Remaining"));
            Assert.NotNull(r.Header("RCRequestId"));
        }

        [Theory]
        [InlineData("wrong-secret", HttpStatusCode.Unauthorized, "invalid_client", "OAU-123")]
        [InlineData(null, HttpStatusCode.Unauthorized, "invalid_client", "OAU-123")]
        public async Task A_bad_client_gets_an_oauth_error(string secret, HttpStatusCode status, string error, string code)
        {
            var r = await TokenAsync(new Dictionary<string, string> { ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer", ["assertion"] = DemoAccount.UserJwt },
                secret == null ? null : DemoAccount.ClientId, secret);
            Assert.Equal(status, r.Status);
            Assert.Equal(error, r.Str("error"));
            Assert.False(string.IsNullOrEmpty(r.Str("error_description")));
            Assert.Equal(code, r.Json.GetProperty("errors")[0].GetProperty("errorCode").GetString());
        }

        [Fact]
        public async Task A_bad_jwt_and_an_unsupported_grant_are_refused()
        {
            var bad = await TokenAsync(new Dictionary<string, string> { ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer", ["assertion"] = "not.a.jwt" });
            Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
            Assert.Equal("invalid_grant", bad.Str("error"));
            var password = await TokenAsync(new Dictionary<string, string> { ["grant_type"] = "password", ["username"] = "x", ["password"] = "y" });
            Assert.Equal(HttpStatusCode.BadRequest, password.Status);
            Assert.Equal("unsupported_grant_type", password.Str("error"));
        }

        [Fact]
        public async Task Refresh_tokens_are_single_use_and_kill_the_old_access_token()
        {
            var (access, refresh) = await LoginAsync();
            var r = await TokenAsync(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh });
            Assert.Equal(HttpStatusCode.OK, r.Status);
            Assert.NotEqual(access, r.Str("access_token"));
            Assert.NotEqual(refresh, r.Str("refresh_token"));

            var old = await SendAsync(HttpMethod.Get, "/restapi/v1.0/account/~/extension/~", access);
            Assert.Equal(HttpStatusCode.Unauthorized, old.Status);
            Assert.Equal("OAU-129", old.ErrorCode);
            var fresh = await SendAsync(HttpMethod.Get, "/restapi/v1.0/account/~/extension/~", r.Str("access_token"));
            Assert.Equal(HttpStatusCode.OK, fresh.Status);

            // The new access token was used: the old refresh token's grace ends 10 s later.
            await Host.AdvanceAsync(TimeSpan.FromSeconds(11));
            var reused = await TokenAsync(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh });
            Assert.Equal(HttpStatusCode.BadRequest, reused.Status);
            Assert.Equal("invalid_grant", reused.Str("error"));
        }

        private Task<Reply> RefreshAsync(string refresh, string clientId = DemoAccount.ClientId) =>
            TokenAsync(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh }, clientId);

        [Fact]
        public async Task A_used_refresh_token_is_accepted_again_within_the_grace_and_answers_the_same_tokens()
        {
            var (_, refresh) = await LoginAsync();
            var first = await RefreshAsync(refresh);
            Assert.Equal(HttpStatusCode.OK, first.Status);
            // The answer was lost: the client never used the new access token, so the old refresh token works for an hour.
            await Host.AdvanceAsync(TimeSpan.FromMinutes(59));
            var again = await RefreshAsync(refresh);
            Assert.Equal(HttpStatusCode.OK, again.Status);
            Assert.Equal(first.Str("access_token"), again.Str("access_token"));
            Assert.Equal(first.Str("refresh_token"), again.Str("refresh_token"));
            // Once the new access token is used, the grace ends 10 s later.
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/restapi/v1.0/account/~/extension/~", again.Str("access_token"))).Status);
            await Host.AdvanceAsync(TimeSpan.FromSeconds(5));
            Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(refresh)).Status);
            await Host.AdvanceAsync(TimeSpan.FromSeconds(6));
            var late = await RefreshAsync(refresh);
            Assert.Equal(HttpStatusCode.BadRequest, late.Status);
            Assert.Equal("invalid_grant", late.Str("error"));
        }

        [Fact]
        public async Task The_grace_of_a_refresh_token_whose_successor_is_never_used_ends_after_an_hour()
        {
            var (_, refresh) = await LoginAsync();
            Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(refresh)).Status);
            await Host.AdvanceAsync(TimeSpan.FromMinutes(61));
            Assert.Equal(HttpStatusCode.BadRequest, (await RefreshAsync(refresh)).Status);
        }

        [Fact]
        public async Task A_refresh_needs_the_apps_credentials()
        {
            var (_, refresh) = await LoginAsync();
            var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh, ["client_id"] = DemoAccount.ClientId });
            var r = await BasicAsync("/restapi/oauth/token", form, clientId: null);
            Assert.Equal(HttpStatusCode.Unauthorized, r.Status);
            Assert.Equal("invalid_client", r.Str("error"));
            Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(refresh)).Status);
        }

        [Fact]
        public async Task Revoke_ends_the_whole_session()
        {
            var (access, refresh) = await LoginAsync();
            var r = await BasicAsync("/restapi/oauth/revoke", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = refresh }));
            Assert.Equal(HttpStatusCode.OK, r.Status);
            var after = await SendAsync(HttpMethod.Get, "/restapi/v1.0/account/~/extension/~", access);
            Assert.Equal(HttpStatusCode.Unauthorized, after.Status);
            var refreshAfter = await TokenAsync(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh });
            Assert.Equal(HttpStatusCode.BadRequest, refreshAfter.Status);
        }

        [Fact]
        public async Task Authorization_code_with_pkce_logs_in_and_checks_the_verifier()
        {
            async Task<string> CodeAsync(string challenge)
            {
                var redirect = Uri.EscapeDataString("http://localhost:5081/callback");
                var resp = await Host.Http.GetAsync($"/restapi/oauth/authorize?response_type=code&client_id={DemoAccount.ClientId}&redirect_uri={redirect}&state=xyz&code_challenge={challenge}&code_challenge_method=S256");
                Assert.Equal(HttpStatusCode.Redirect, resp.StatusCode);
                var location = resp.Headers.Location.ToString();
                Assert.Contains("state=xyz", location);
                return Uri.UnescapeDataString(location.Split("code=")[1].Split('&')[0]);
            }
            var verifier = "a-verifier-that-is-long-enough-for-pkce-0123456789";
            var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

            var form = new Dictionary<string, string> { ["grant_type"] = "authorization_code", ["redirect_uri"] = "http://localhost:5081/callback", ["client_id"] = DemoAccount.ClientId };
            form["code"] = await CodeAsync(challenge);
            form["code_verifier"] = "the-wrong-verifier";
            var wrong = await BasicAsync("/restapi/oauth/token", new FormUrlEncodedContent(form), clientId: null);
            Assert.Equal(HttpStatusCode.BadRequest, wrong.Status);

            form["code"] = await CodeAsync(challenge);
            form["code_verifier"] = verifier;
            var ok = await BasicAsync("/restapi/oauth/token", new FormUrlEncodedContent(form), clientId: null);
            Assert.Equal(HttpStatusCode.OK, ok.Status);
            Assert.Equal(DemoAccount.UserExtensionId, ok.Str("owner_id"));
        }

        [Fact]
        public async Task Bearer_problems_get_401_with_the_fitting_code()
        {
            var (access, _) = await LoginAsync();
            const string me = "/restapi/v1.0/account/~/extension/~";
            Assert.Equal("OAU-123", (await SendAsync(HttpMethod.Get, me)).ErrorCode);
            var basic = new HttpRequestMessage(HttpMethod.Get, me);
            basic.Headers.Authorization = new AuthenticationHeaderValue("Basic", "eDp5");
            var malformed = await Host.Http.SendAsync(basic);
            Assert.Equal(HttpStatusCode.Unauthorized, malformed.StatusCode);
            Assert.Contains("OAU-134", await malformed.Content.ReadAsStringAsync());
            Assert.Equal("OAU-149", (await SendAsync(HttpMethod.Get, me, "garbage")).ErrorCode);

            await Host.AdvanceAsync(TimeSpan.FromSeconds(3601));
            var expired = await SendAsync(HttpMethod.Get, me, access);
            Assert.Equal(HttpStatusCode.Unauthorized, expired.Status);
            Assert.Equal("OAU-128", expired.ErrorCode);
        }

        // ------------------------------------------------------------------ RingOut

        [Fact]
        public async Task Placing_a_call_answers_200_with_a_numeric_id_and_a_legacy_uri()
        {
            var (token, _) = await LoginAsync();
            var r = await PlaceAsync(token);
            Assert.Equal(HttpStatusCode.OK, r.Status);
            Assert.Equal(JsonValueKind.Number, r.Json.GetProperty("id").ValueKind);
            Assert.True(r.Json.GetProperty("id").GetInt64() > int.MaxValue);
            Assert.Contains($"/restapi/v1.0/account/{DemoAccount.AccountId}/extension/{DemoAccount.UserExtensionId}/ringout/{IdOf(r)}", r.Str("uri"));
            Assert.Equal("InProgress/InProgress/InProgress", r.Statuses);
            Assert.Equal("heavy", r.Header("X-Rate-Limit-Group"));
            Assert.Equal("10", r.Header("X-Rate-Limit-Limit"));
            Assert.Equal("60", r.Header("X-Rate-Limit-Window"));
            Assert.NotNull(r.Header("RCRequestId"));
        }

        [Fact]
        public async Task The_deprecated_ringout_alias_answers_the_same()
        {
            var (token, _) = await LoginAsync();
            const string alias = "/restapi/v1.0/account/~/extension/~/ringout";
            var r = await PlaceAsync(token, path: alias);
            Assert.Equal(HttpStatusCode.OK, r.Status);
            var get = await SendAsync(HttpMethod.Get, $"{alias}/{IdOf(r)}", token);
            Assert.Equal(HttpStatusCode.OK, get.Status);
            Assert.Equal("light", get.Header("X-Rate-Limit-Group"));
            var del = await SendAsync(HttpMethod.Delete, $"{alias}/{IdOf(r)}", token);
            Assert.Equal(HttpStatusCode.NoContent, del.Status);
            Assert.Equal("heavy", del.Header("X-Rate-Limit-Group"));
            Assert.Equal(2, await Host.CountAsync("GET", "ring-out") + await Host.CountAsync("DELETE", "ring-out"));
        }

        [Theory]
        [InlineData("{}", "to.phoneNumber")]
        [InlineData("{\"to\":{\"phoneNumber\":\"\"}}", "to.phoneNumber")]
        [InlineData("{\"to\":{}}", "to.phoneNumber")]
        [InlineData("{\"to\":{\"phoneNumber\":\"650-555-0123\"}}", "to.phoneNumber")]
        [InlineData("{\"to\":{\"phoneNumber\":\"+1650CALLNOW\"}}", "to.phoneNumber")]
        [InlineData("{\"to\":{\"phoneNumber\":12345678901}}", "to.phoneNumber")]
        [InlineData("{\"to\":[{\"phoneNumber\":\"+14155550123\"}]}", "to")]
        [InlineData("{\"to\":{\"phoneNumber\":\"+14155550123\"},\"from\":{\"phoneNumber\":\"abc\"}}", "from.phoneNumber")]
        [InlineData("{\"to\":{\"phoneNumber\":\"+14155550123\"},\"from\":{\"forwardingNumberId\":\"999\"}}", "from.forwardingNumberId")]
        [InlineData("{\"to\":{\"phoneNumber\":\"+14155550123\"}}", "from.phoneNumber")]
        [InlineData("{\"to\":{\"phoneNumber\":\"+14155550123\"},\"from\":{}}", "from.phoneNumber")]
        [InlineData("{\"to\":{\"phoneNumber\":\"+14155550123\"},\"from\":{\"phoneNumber\":\"+16505550001\"},\"callerId\":{\"phoneNumber\":\"+14155550000\"}}", "callerId.phoneNumber")]
        [InlineData("{\"to\":{\"phoneNumber\":\"+14155550123\"},\"from\":{\"phoneNumber\":\"+16505550001\"},\"playPrompt\":\"yes\"}", "playPrompt")]
        public async Task A_bad_request_body_gets_400_CMN_101_naming_the_parameter(string body, string parameter)
        {
            var (token, _) = await LoginAsync();
            var r = await SendAsync(HttpMethod.Post, RingOut, token, body);
            Assert.Equal(HttpStatusCode.BadRequest, r.Status);
            Assert.Equal("CMN-101", r.ErrorCode);
            Assert.False(string.IsNullOrEmpty(r.Str("message")));
            var error = r.Json.GetProperty("errors")[0];
            Assert.Equal("CMN-101", error.GetProperty("errorCode").GetString());
            Assert.Equal(parameter, error.GetProperty("parameterName").GetString());
            Assert.Equal(0, await Host.CallsCreatedAsync());
        }

        [Fact]
        public async Task Malformed_json_wrong_content_type_and_huge_bodies_get_ringcentral_errors()
        {
            var (token, _) = await LoginAsync();
            var malformed = await SendAsync(HttpMethod.Post, RingOut, token, "{\"to\": {\"phoneNumber\": ");
            Assert.Equal(HttpStatusCode.BadRequest, malformed.Status);
            Assert.Equal("CMN-103", malformed.ErrorCode);
            var notObject = await SendAsync(HttpMethod.Post, RingOut, token, "[1,2,3]");
            Assert.Equal("CMN-104", notObject.ErrorCode);
            var deep = await SendAsync(HttpMethod.Post, RingOut, token, new string('[', 5000) + new string(']', 5000));
            Assert.Equal(HttpStatusCode.BadRequest, deep.Status);
            var text = await SendAsync(HttpMethod.Post, RingOut, token, "to=+14155550123", contentType: "text/plain");
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.Status);
            Assert.Equal("CMN-104", text.ErrorCode);
            var huge = await SendAsync(HttpMethod.Post, RingOut, token, "{\"to\":{\"phoneNumber\":\"+14155550123\"},\"pad\":\"" + new string('x', 3 * 1024 * 1024) + "\"}");
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.Status);
            Assert.Equal("CMN-104", huge.ErrorCode);
            var unknownFields = await PlaceAsync(token, extra: ",\"someFutureField\":{\"a\":[1,2]},\"country\":{\"id\":\"1\"}");
            Assert.Equal(HttpStatusCode.OK, unknownFields.Status);
            Assert.Equal(1, await Host.CallsCreatedAsync());
        }

        [Fact]
        public async Task Wrong_methods_and_unknown_paths_get_ringcentral_errors_not_500()
        {
            var (token, _) = await LoginAsync();
            var put = await SendAsync(HttpMethod.Put, RingOut, token, "{}");
            Assert.Equal(HttpStatusCode.MethodNotAllowed, put.Status);
            Assert.NotNull(put.ErrorCode);
            var get = await SendAsync(HttpMethod.Get, RingOut, token);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, get.Status);
            var unknown = await SendAsync(HttpMethod.Get, "/restapi/v1.0/account/~/extension/~/nothing-here", token);
            Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
            Assert.Equal("CMN-102", unknown.ErrorCode);
            var notNumeric = await SendAsync(HttpMethod.Get, RingOut + "/abc", token);
            Assert.Equal(HttpStatusCode.NotFound, notNumeric.Status);
        }

        [Fact]
        public async Task Without_from_a_call_is_refused_with_400_as_the_spec_requires_from_and_forwarding_number_ids_are_taken()
        {
            var (token, _) = await LoginAsync();
            var r = await SendAsync(HttpMethod.Post, RingOut, token, "{\"to\":{\"phoneNumber\":\"+14155550123\"}}");
            Assert.Equal(HttpStatusCode.BadRequest, r.Status);
            Assert.Equal("CMN-101", r.ErrorCode);
            Assert.Equal("from.phoneNumber", r.Json.GetProperty("errors")[0].GetProperty("parameterName").GetString());
            Assert.Equal(0, await Host.CallsCreatedAsync());
            var (bare, _) = await LoginAsync(DemoAccount.NoForwardingJwt);
            var withFrom = await PlaceAsync(bare, extra: ",\"from\":{\"phoneNumber\":\"+16505550777\"}");
            Assert.Equal(HttpStatusCode.OK, withFrom.Status);
            var byId = await PlaceAsync(token, extra: ",\"from\":{\"forwardingNumberId\":\"417276280005\"},\"callerId\":{\"phoneNumber\":\"+16505550000\"}");
            Assert.Equal(HttpStatusCode.OK, byId.Status);
        }

        private async Task<string> StatusesAfterAsync(string token, string id, double seconds)
        {
            await Host.AdvanceAsync(TimeSpan.FromSeconds(seconds));
            var r = await SendAsync(HttpMethod.Get, $"{RingOut}/{id}", token);
            return r.Status == HttpStatusCode.NotFound ? "404 " + r.ErrorCode : r.Statuses;
        }

        [Fact]
        public async Task A_connecting_call_rings_the_caller_then_the_callee_talks_finishes_and_goes()
        {
            var (token, _) = await LoginAsync();
            var id = IdOf(await PlaceAsync(token));
            Assert.Equal("InProgress/InProgress/InProgress", await StatusesAfterAsync(token, id, 4));       // t=4: caller ringing
            Assert.Equal("InProgress/Success/InProgress", await StatusesAfterAsync(token, id, 2));          // t=6: callee ringing
            Assert.Equal("Success/Success/Success", await StatusesAfterAsync(token, id, 6));                // t=12: connected
            Assert.Equal("Success/Finished/Finished", await StatusesAfterAsync(token, id, 20));             // t=32: over
            Assert.Equal("404 CMN-102", await StatusesAfterAsync(token, id, 40));                           // t=72: gone
        }

        [Fact]
        public async Task With_play_prompt_the_callee_rings_only_after_the_caller_pressed_1()
        {
            var (token, _) = await LoginAsync();
            var id = IdOf(await PlaceAsync(token, extra: ",\"playPrompt\":true"));
            Assert.Equal("InProgress/Success/InProgress", await StatusesAfterAsync(token, id, 12)); // 5 + 3 prompt + 6 > 12
            Assert.Equal("Success/Success/Success", await StatusesAfterAsync(token, id, 3));         // t=15
        }

        public static IEnumerable<object[]> Scenarios() => new[]
        {
            new object[] { null, ScenarioNumbers.CalleeBusy, "CannotReach/Finished/Busy" },
            new object[] { null, ScenarioNumbers.CalleeNoAnswer, "CannotReach/Finished/NoAnswer" },
            new object[] { null, ScenarioNumbers.CalleeRejects, "CannotReach/Finished/Rejected" },
            new object[] { null, ScenarioNumbers.CalleeGenericError, "CannotReach/Finished/GenericError" },
            new object[] { null, ScenarioNumbers.InternationalDisabled, "CannotReach/Finished/InternationalDisabled" },
            new object[] { null, ScenarioNumbers.LongRing, "Success/Success/Success" },
            new object[] { null, ScenarioNumbers.InternalFailure, "NoAnsweringMachine/GenericError/InProgress" },
            new object[] { ScenarioNumbers.CallerBusy, "+14155550123", "CannotReach/Busy/InProgress" },
            new object[] { ScenarioNumbers.CallerNoAnswer, "+14155550123", "CannotReach/NoAnswer/InProgress" },
            new object[] { ScenarioNumbers.CallerGenericError, "+14155550123", "CannotReach/GenericError/InProgress" },
            new object[] { null, "+442079460958", "Success/Success/Success" },
        };

        [Theory]
        [MemberData(nameof(Scenarios))]
        public async Task Each_scenario_number_reaches_its_documented_outcome(string from, string to, string expected)
        {
            var (token, _) = await LoginAsync();
            var id = IdOf(await PlaceAsync(token, to, from == null ? "" : $",\"from\":{{\"phoneNumber\":\"{from}\"}}"));
            Assert.Equal("InProgress/InProgress/InProgress", await StatusesAfterAsync(token, id, 0.5));
            // Long enough for the slowest outcome (30 s no-answer after the caller answered), short of the talk time's end.
            var seen = await StatusesAfterAsync(token, id, from == null && to == ScenarioNumbers.CalleeNoAnswer ? 36 : 30);
            Assert.Equal(expected, seen);
        }

        [Fact]
        public async Task A_long_ring_is_still_ringing_after_the_usual_answer_time()
        {
            var (token, _) = await LoginAsync();
            var id = IdOf(await PlaceAsync(token, ScenarioNumbers.LongRing));
            Assert.Equal("InProgress/Success/InProgress", await StatusesAfterAsync(token, id, 20));
        }

        [Fact]
        public async Task Delete_cancels_only_while_the_callee_rings_and_only_once()
        {
            var (token, _) = await LoginAsync();
            var id = IdOf(await PlaceAsync(token));
            await Host.AdvanceAsync(TimeSpan.FromSeconds(6));
            var del = await SendAsync(HttpMethod.Delete, $"{RingOut}/{id}", token);
            Assert.Equal(HttpStatusCode.NoContent, del.Status);
            Assert.Equal("CannotReach/Finished/Rejected", await StatusesAfterAsync(token, id, 1));
            var again = await SendAsync(HttpMethod.Delete, $"{RingOut}/{id}", token);
            Assert.Equal(HttpStatusCode.BadRequest, again.Status);
            Assert.Contains("cancelled already", again.Str("message"));
            Assert.Equal("404 CMN-102", await StatusesAfterAsync(token, id, 61));

            var connected = IdOf(await PlaceAsync(token));
            await Host.AdvanceAsync(TimeSpan.FromSeconds(12));
            var late = await SendAsync(HttpMethod.Delete, $"{RingOut}/{connected}", token);
            Assert.Equal(HttpStatusCode.BadRequest, late.Status);
            Assert.Contains("answered", late.Str("message"));
            Assert.Equal("Success/Success/Success", await StatusesAfterAsync(token, connected, 0));

            Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Delete, $"{RingOut}/123", token)).Status);
        }

        [Fact]
        public async Task Another_extension_needs_the_admin_role()
        {
            var (user, _) = await LoginAsync();
            var other = $"/restapi/v1.0/account/~/extension/{DemoAccount.AdminExtensionId}/ring-out";
            var denied = await PlaceAsync(user, path: other);
            Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
            Assert.Equal("CMN-408", denied.ErrorCode);
            var otherAccount = await PlaceAsync(user, path: "/restapi/v1.0/account/999/extension/~/ring-out");
            Assert.Equal(HttpStatusCode.Forbidden, otherAccount.Status);
            Assert.Equal("CMN-401", otherAccount.ErrorCode);

            var (admin, _) = await LoginAsync(DemoAccount.AdminJwt);
            var allowed = await PlaceAsync(admin, path: $"/restapi/v1.0/account/{DemoAccount.AccountId}/extension/{DemoAccount.UserExtensionId}/ring-out");
            Assert.Equal(HttpStatusCode.OK, allowed.Status);
            // The call belongs to the user's extension: the user sees it.
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"{RingOut}/{IdOf(allowed)}", user)).Status);
        }

        [Fact]
        public async Task Forwarding_and_phone_numbers_are_paged_as_documented()
        {
            var (token, _) = await LoginAsync();
            var p1 = await SendAsync(HttpMethod.Get, "/restapi/v1.0/account/~/extension/~/forwarding-number?perPage=2", token);
            Assert.Equal(HttpStatusCode.OK, p1.Status);
            Assert.Equal(2, p1.Json.GetProperty("records").GetArrayLength());
            Assert.Equal(JsonValueKind.String, p1.Json.GetProperty("records")[0].GetProperty("id").ValueKind);
            Assert.Equal(2, p1.Json.GetProperty("paging").GetProperty("totalPages").GetInt32());
            Assert.Equal(3, p1.Json.GetProperty("paging").GetProperty("totalElements").GetInt32());
            Assert.Contains("page=2", p1.Json.GetProperty("navigation").GetProperty("nextPage").GetProperty("uri").GetString());
            var p2 = await SendAsync(HttpMethod.Get, "/restapi/v1.0/account/~/extension/~/forwarding-number?page=2&perPage=2", token);
            Assert.Single(p2.Json.GetProperty("records").EnumerateArray());
            Assert.False(p2.Json.GetProperty("navigation").TryGetProperty("nextPage", out _));
            Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, "/restapi/v1.0/account/~/extension/~/forwarding-number?perPage=5000", token)).Status);

            var phones = await SendAsync(HttpMethod.Get, "/restapi/v1.0/account/~/extension/~/phone-number", token);
            var first = phones.Json.GetProperty("records")[0];
            Assert.Equal(JsonValueKind.Number, first.GetProperty("id").ValueKind);
            Assert.Contains("CallerId", first.GetProperty("features").EnumerateArray().Select(f => f.GetString()));

            var me = await SendAsync(HttpMethod.Get, "/restapi/v1.0/account/~/extension/~", token);
            Assert.Equal("101", me.Str("extensionNumber"));
            Assert.Equal(DemoAccount.AccountId, me.Json.GetProperty("account").GetProperty("id").GetString());
        }

        // ------------------------------------------------------------------ rate limits

        [Fact]
        public async Task The_heavy_group_allows_ten_a_minute_and_a_request_during_the_penalty_restarts_it()
        {
            var (token, _) = await LoginAsync();
            for (var i = 0; i < 10; i++)
            {
                var ok = await PlaceAsync(token);
                Assert.Equal(HttpStatusCode.OK, ok.Status);
                Assert.Equal((9 - i).ToString(), ok.Header("X-Rate-Limit-Remaining"));
            }
            var limited = await PlaceAsync(token);
            Assert.Equal((HttpStatusCode)429, limited.Status);
            Assert.Equal("CMN-301", limited.ErrorCode);
            Assert.Equal("60", limited.Header("Retry-After"));
            Assert.Equal("heavy", limited.Header("X-Rate-Limit-Group"));
            Assert.Equal("0", limited.Header("X-Rate-Limit-Remaining"));

            await Host.AdvanceAsync(TimeSpan.FromSeconds(59));
            Assert.Equal((HttpStatusCode)429, (await PlaceAsync(token)).Status); // restarts the penalty
            await Host.AdvanceAsync(TimeSpan.FromSeconds(59));
            Assert.Equal((HttpStatusCode)429, (await PlaceAsync(token)).Status); // still inside the restarted penalty
            await Host.AdvanceAsync(TimeSpan.FromSeconds(61));
            Assert.Equal(HttpStatusCode.OK, (await PlaceAsync(token)).Status);
            Assert.Equal(11, await Host.CallsCreatedAsync());
            Assert.Equal(3, await Host.TooManyRequestsAsync());
            // Another group is not affected.
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/restapi/v1.0/account/~/extension/~", token)).Status);
        }

        [Fact]
        public async Task The_auth_group_allows_five_logins_a_minute()
        {
            for (var i = 0; i < 5; i++) await LoginAsync();
            var r = await TokenAsync(new Dictionary<string, string> { ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer", ["assertion"] = DemoAccount.UserJwt });
            Assert.Equal((HttpStatusCode)429, r.Status);
            Assert.Equal("auth", r.Header("X-Rate-Limit-Group"));
        }

        [Fact]
        public async Task The_auth_group_is_counted_per_user_and_app()
        {
            for (var i = 0; i < 5; i++) await LoginAsync();
            Assert.Equal((HttpStatusCode)429, (await TokenAsync(new Dictionary<string, string> { ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer", ["assertion"] = DemoAccount.UserJwt })).Status);
            await LoginAsync(DemoAccount.AdminJwt); // another user of the same app has a budget of its own
        }

        [Fact]
        public async Task Faults_that_act_then_answer_with_a_gateway_error_or_late()
        {
            var (token, _) = await LoginAsync();
            await Host.InjectAsync(FaultKind.ActThenError, "POST", "ring-out", status: 504);
            var gateway = await PlaceAsync(token);
            Assert.Equal(HttpStatusCode.GatewayTimeout, gateway.Status);
            Assert.Equal(JsonValueKind.Undefined, gateway.Json.ValueKind); // a gateway's page, not RingCentral's error
            Assert.Equal(1, await Host.CallsCreatedAsync());

            await Host.InjectAsync(FaultKind.ActThenLatency, "POST", "ring-out");
            var late = PlaceAsync(token);
            for (var i = 0; i < 200 && await Host.CallsCreatedAsync() < 2; i++) await Task.Yield();
            Assert.Equal(2, await Host.CallsCreatedAsync()); // acted at once
            Assert.False(late.IsCompleted);                  // answers only when the latency has passed
            // The emulator starts its timer just after acting: move the clock until the answer comes (bounded).
            for (var i = 0; i < 30 && !late.IsCompleted; i++)
            {
                await Host.AdvanceAsync(TimeSpan.FromSeconds(2));
                await Task.WhenAny(late, Task.Delay(TimeSpan.FromSeconds(1))); // returns as soon as the answer is in
            }
            Assert.True(late.IsCompleted, "the late answer never came");
            Assert.Equal(HttpStatusCode.OK, (await late).Status);
        }

        // ------------------------------------------------------------------ faults and counts

        [Fact]
        public async Task Server_error_and_429_faults_answer_without_acting()
        {
            var (token, _) = await LoginAsync();
            await Host.InjectAsync(FaultKind.ServerError, "POST", "ring-out", status: 503, retryAfter: 7);
            var r = await PlaceAsync(token);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.Status);
            Assert.Equal("CMN-201", r.ErrorCode);
            Assert.Equal("7", r.Header("Retry-After"));
            await Host.InjectAsync(FaultKind.TooManyRequests, "POST", "ring-out", times: 2);
            Assert.Equal((HttpStatusCode)429, (await PlaceAsync(token)).Status);
            Assert.Equal((HttpStatusCode)429, (await PlaceAsync(token)).Status);
            Assert.Equal(0, await Host.CallsCreatedAsync());
            Assert.Equal(HttpStatusCode.OK, (await PlaceAsync(token)).Status);
            Assert.Equal(1, await Host.CallsCreatedAsync());
            Assert.Equal(4, await Host.CountAsync("POST", "ring-out"));
        }

        [Fact]
        public async Task A_connection_dropped_before_acting_creates_nothing_and_after_acting_creates_the_call()
        {
            var (token, _) = await LoginAsync();
            await Host.InjectAsync(FaultKind.DropBeforeActing, "POST", "ring-out");
            await Assert.ThrowsAsync<HttpRequestException>(() => PlaceAsync(token));
            Assert.Equal(0, await Host.CallsCreatedAsync());
            Assert.Equal(0, await Host.CountAsync("POST", "ring-out"));

            await Host.InjectAsync(FaultKind.DropAfterActing, "POST", "ring-out");
            await Assert.ThrowsAsync<HttpRequestException>(() => PlaceAsync(token));
            Assert.Equal(1, await Host.CallsCreatedAsync());
            Assert.Equal(1, await Host.CountAsync("POST", "ring-out"));
        }

        [Fact]
        public async Task Truncated_and_malformed_bodies_are_sent_after_acting()
        {
            var (token, _) = await LoginAsync();
            await Host.InjectAsync(FaultKind.TruncatedBody, "POST", "ring-out");
            var truncated = await PlaceAsync(token);
            Assert.Equal(HttpStatusCode.OK, truncated.Status);
            Assert.Equal(JsonValueKind.Undefined, truncated.Json.ValueKind); // not parseable
            await Host.InjectAsync(FaultKind.MalformedBody, "GET", "extension");
            var html = await SendAsync(HttpMethod.Get, "/restapi/v1.0/account/~/extension/~", token);
            Assert.Equal(JsonValueKind.Undefined, html.Json.ValueKind);
            Assert.Equal(1, await Host.CallsCreatedAsync());
        }

        [Fact]
        public async Task An_early_token_expiry_fault_gets_401_OAU_128_and_a_refresh_recovers()
        {
            var (token, refresh) = await LoginAsync();
            await Host.InjectAsync(FaultKind.ExpireAccessToken, "GET", "extension");
            var r = await SendAsync(HttpMethod.Get, "/restapi/v1.0/account/~/extension/~", token);
            Assert.Equal(HttpStatusCode.Unauthorized, r.Status);
            Assert.Equal("OAU-128", r.ErrorCode);
            var fresh = await TokenAsync(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh });
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/restapi/v1.0/account/~/extension/~", fresh.Str("access_token"))).Status);
        }

        [Fact]
        public async Task Thousands_of_concurrent_hostile_requests_get_no_500_and_leave_other_calls_alone()
        {
            await Host.ResetAsync(rateLimits: false);
            var (token, _) = await LoginAsync();
            var id = IdOf(await PlaceAsync(token));
            var bodies = new[] { "{", "[]", "{\"to\":[1]}", "{\"to\":{\"phoneNumber\":null}}", "null", "\"x\"", "{\"to\":{\"phoneNumber\":\"+1\"}}" };
            var tasks = Enumerable.Range(0, 2000).Select(i => i % 3 == 0
                ? SendAsync(HttpMethod.Post, RingOut, token, bodies[i % bodies.Length])
                : i % 3 == 1 ? SendAsync(HttpMethod.Delete, $"{RingOut}/{i}", token)
                : SendAsync(HttpMethod.Get, $"{RingOut}/{id}", i % 2 == 0 ? token : "RCEMU-AT-forged"));
            var replies = await Task.WhenAll(tasks);
            Assert.DoesNotContain(replies, r => (int)r.Status >= 500);
            Assert.All(replies.Where(r => r.Status != HttpStatusCode.OK), r => Assert.NotNull(r.ErrorCode));
            Assert.Equal(1, await Host.CallsCreatedAsync());
            Assert.Equal("InProgress/Success/InProgress", await StatusesAfterAsync(token, id, 6));
        }
    }
}
