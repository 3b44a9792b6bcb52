using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Xunit;

namespace RingOut.Emulator.Tests
{
    /// <summary>The WebSocket gateway's protocol, in-process: tokens, subscriptions, events, heartbeats, recovery and its faults.</summary>
    public sealed class WebSocketGatewayTests
    {
        private const string Filter = "/restapi/v1.0/account/~/extension/~/telephony/sessions";
        private readonly VirtualClock _clock = new VirtualClock();
        private readonly RingCentralEmulator _emulator;
        private readonly HttpClient _http;
        private string _access;

        public WebSocketGatewayTests()
        {
            _emulator = new RingCentralEmulator(new EmulatorOptions(), _clock);
            _http = new HttpClient(_emulator.CreateHandler()) { BaseAddress = RingCentralEmulator.InProcessBaseUri };
        }

        private async Task<string> LoginAsync()
        {
            var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer", ["assertion"] = DemoAccount.UserJwt });
            var req = new HttpRequestMessage(HttpMethod.Post, "/restapi/oauth/token") { Content = form };
            req.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes(DemoAccount.ClientId + ":" + DemoAccount.ClientSecret)));
            var body = JsonNode.Parse(await (await _http.SendAsync(req)).Content.ReadAsStringAsync());
            return _access = body["access_token"].GetValue<string>();
        }

        private async Task<JsonNode> PostAsync(string path, string json = null)
        {
            var req = new HttpRequestMessage(HttpMethod.Post, path) { Content = json == null ? null : new StringContent(json, Encoding.UTF8, "application/json") };
            req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _access);
            var response = await _http.SendAsync(req);
            var text = await response.Content.ReadAsStringAsync();
            return text.Length == 0 ? null : JsonNode.Parse(text);
        }

        private async Task<EmulatedSocket> OpenAsync(string wsc = null)
        {
            var token = await PostAsync("/restapi/oauth/wstoken");
            Assert.Equal("wss://emulator.ringout.invalid/ws", token["uri"].GetValue<string>());
            Assert.Equal(600, token["expires_in"].GetValue<long>());
            return _emulator.OpenSocket("access_token=" + token["ws_access_token"].GetValue<string>() + (wsc == null ? "" : "&wsc=" + wsc));
        }

        private static List<JsonArray> Take(EmulatedSocket socket) => socket.TakeOutgoing().Select(t => (JsonArray)JsonNode.Parse(t)).ToList();

        private static JsonArray Request(EmulatedSocket socket, string method, string path, string body = null)
        {
            var id = Guid.NewGuid().ToString();
            var meta = new JsonObject { ["type"] = "ClientRequest", ["messageId"] = id, ["method"] = method, ["path"] = path };
            socket.Receive((body == null ? new JsonArray(meta) : new JsonArray(meta, JsonNode.Parse(body))).ToJsonString());
            return Take(socket).Single(m => m[0]["messageId"]?.GetValue<string>() == id);
        }

        private static string Subscribe(EmulatedSocket socket)
        {
            var answer = Request(socket, "POST", "/restapi/v1.0/subscription", $"{{\"eventFilters\":[\"{Filter}\"],\"deliveryMode\":{{\"transportType\":\"WebSocket\"}}}}");
            Assert.Equal(200, answer[0]["status"].GetValue<int>());
            return answer[1]["id"].GetValue<string>();
        }

        /// <summary>A signed-in user's socket, its ConnectionDetails taken, with one subscription.</summary>
        private async Task<(EmulatedSocket socket, string subscription)> SubscribedAsync()
        {
            await LoginAsync();
            var socket = await OpenAsync();
            Take(socket);
            return (socket, Subscribe(socket));
        }

        private static IEnumerable<string> Codes(IEnumerable<JsonArray> messages) =>
            messages.Where(m => m[0]["type"].GetValue<string>() == "ServerNotification")
                .Select(m => string.Join("/", m[1]["body"]["parties"].AsArray().Select(p => p["status"]["code"].GetValue<string>())));

        [Fact]
        public async Task A_socket_opens_with_ConnectionDetails_subscribes_and_receives_a_calls_events_as_they_fall_due()
        {
            await LoginAsync();
            var socket = await OpenAsync();
            var first = Take(socket).Single();
            Assert.Equal("ConnectionDetails", first[0]["type"].GetValue<string>());
            Assert.Equal(180, first[1]["recoveryTimeout"].GetValue<long>());
            Assert.NotNull(first[0]["wsc"]["token"]);
            Subscribe(socket);
            await PostAsync("/restapi/v1.0/account/~/extension/~/ring-out", "{\"to\":{\"phoneNumber\":\"+16505550101\"},\"from\":{\"phoneNumber\":\"+16505550001\"}}"); // busy
            Assert.Equal(new[] { "Proceeding/Setup" }, Codes(Take(socket)));
            _clock.Advance(TimeSpan.FromSeconds(5));
            Assert.Equal(new[] { "Answered/Proceeding" }, Codes(Take(socket)));
            _clock.Advance(TimeSpan.FromSeconds(5));
            var last = Take(socket);
            Assert.Equal(new[] { "Disconnected/Disconnected" }, Codes(last));
            Assert.Equal("TargetBusy", last.Single()[1]["body"]["parties"][1]["status"]["reason"].GetValue<string>());
            Assert.Empty(Take(socket));

            socket.Receive("[{\"type\":\"Heartbeat\",\"messageId\":\"hb-1\"}]");
            var beat = Take(socket).Single();
            Assert.Equal("Heartbeat", beat[0]["type"].GetValue<string>());
            Assert.Equal("hb-1", beat[0]["messageId"].GetValue<string>());
        }

        [Fact]
        public async Task A_dropped_socket_recovers_with_its_wsc_and_gets_what_it_missed_unless_recovery_is_refused()
        {
            await LoginAsync();
            var socket = await OpenAsync();
            var wsc = Take(socket).Last()[0]["wsc"]["token"].GetValue<string>();
            Subscribe(socket);
            await PostAsync("/restapi/v1.0/account/~/extension/~/ring-out", "{\"to\":{\"phoneNumber\":\"+14155550123\"},\"from\":{\"phoneNumber\":\"+16505550001\"}}");
            var seen = Take(socket);
            wsc = seen.Last()[0]["wsc"]["token"].GetValue<string>();
            _emulator.DropSockets();
            Assert.True(socket.IsClosed);
            _clock.Advance(TimeSpan.FromSeconds(60)); // the call connects and ends while the socket is down

            var recovered = await OpenAsync(wsc);
            var messages = Take(recovered);
            Assert.Equal("Successful", messages[0][1]["recoveryState"].GetValue<string>());
            Assert.Equal(new[] { "Answered/Proceeding", "Answered/Answered", "Disconnected/Disconnected" }, Codes(messages));

            // Refused: a new session, no subscription, and the events of the time it was down are lost.
            var wsc2 = messages.Last()[0]["wsc"]["token"].GetValue<string>();
            _emulator.RefuseRecovery = true;
            _emulator.DropSockets();
            await PostAsync("/restapi/v1.0/account/~/extension/~/ring-out", "{\"to\":{\"phoneNumber\":\"+14155550124\"},\"from\":{\"phoneNumber\":\"+16505550001\"}}");
            _clock.Advance(TimeSpan.FromSeconds(60));
            var refused = Take(await OpenAsync(wsc2));
            Assert.Equal("Failed", refused[0][1]["recoveryState"].GetValue<string>());
            Assert.Empty(Codes(refused));
        }

        [Fact]
        public async Task Subscriptions_expire_unless_renewed_and_a_bad_token_or_filter_is_refused()
        {
            await LoginAsync();
            var refused = _emulator.OpenSocket("access_token=nonsense");
            var error = Take(refused).Single();
            Assert.Equal("Error", error[0]["type"].GetValue<string>());
            Assert.True(refused.IsClosed);

            var socket = await OpenAsync();
            Take(socket);
            var bad = Request(socket, "POST", "/restapi/v1.0/subscription", "{\"eventFilters\":[\"/restapi/v1.0/account/~/extension/~/message-store\"]}");
            Assert.Equal(400, bad[0]["status"].GetValue<int>());
            var id = Subscribe(socket);
            _clock.Advance(TimeSpan.FromSeconds(800));
            Assert.Equal(200, Request(socket, "PUT", "/restapi/v1.0/subscription/" + id)[0]["status"].GetValue<int>());
            _clock.Advance(TimeSpan.FromSeconds(800));
            Assert.Equal(200, Request(socket, "GET", "/restapi/v1.0/subscription/" + id)[0]["status"].GetValue<int>()); // renewed: 1,600 s after it began
            _clock.Advance(TimeSpan.FromSeconds(200));
            Assert.Equal(404, Request(socket, "PUT", "/restapi/v1.0/subscription/" + id)[0]["status"].GetValue<int>());
            await PostAsync("/restapi/v1.0/account/~/extension/~/ring-out", "{\"to\":{\"phoneNumber\":\"+14155550123\"},\"from\":{\"phoneNumber\":\"+16505550001\"}}");
            Assert.Empty(Codes(Take(socket))); // expired: no events
            var again = Subscribe(socket);
            Assert.Equal(204, Request(socket, "DELETE", "/restapi/v1.0/subscription/" + again)[0]["status"].GetValue<int>());
        }

        [Fact]
        public async Task A_socket_carries_one_subscription_a_second_create_replaces_the_first_and_answers_match_by_messageId_only()
        {
            var (socket, first) = await SubscribedAsync();
            var created = Request(socket, "POST", "/restapi/v1.0/subscription", $"{{\"eventFilters\":[\"{Filter}\"],\"deliveryMode\":{{\"transportType\":\"WebSocket\"}}}}");
            Assert.Null(created[0]["headers"]["WSG-SubscriptionId"]); // the answer names its request by messageId alone
            var second = created[1]["id"].GetValue<string>();
            Assert.Equal(404, Request(socket, "GET", "/restapi/v1.0/subscription/" + first)[0]["status"].GetValue<int>());
            Assert.Equal(200, Request(socket, "GET", "/restapi/v1.0/subscription/" + second)[0]["status"].GetValue<int>());
            await PostAsync("/restapi/v1.0/account/~/extension/~/ring-out", "{\"to\":{\"phoneNumber\":\"+16505550101\"},\"from\":{\"phoneNumber\":\"+16505550001\"}}");
            var events = Take(socket).Where(m => m[0]["type"].GetValue<string>() == "ServerNotification").ToList();
            Assert.Equal(second, events.Single()[1]["subscriptionId"].GetValue<string>()); // once, for the one subscription
        }

        [Fact]
        public async Task A_delete_sent_as_meta_and_null_is_refused_with_WSG_808()
        {
            var (socket, id) = await SubscribedAsync();
            socket.Receive(new JsonArray(new JsonObject { ["type"] = "ClientRequest", ["messageId"] = "m-1", ["method"] = "DELETE", ["path"] = "/restapi/v1.0/subscription/" + id }, null).ToJsonString());
            var refused = Take(socket).Single(m => m[0]["messageId"]?.GetValue<string>() == "m-1");
            Assert.Equal("Error", refused[0]["type"].GetValue<string>());
            Assert.Equal(400, refused[0]["status"].GetValue<int>());
            Assert.Equal("WSG-808", refused[1]["errorCode"].GetValue<string>());
            Assert.Equal(204, Request(socket, "DELETE", "/restapi/v1.0/subscription/" + id)[0]["status"].GetValue<int>());
        }

        [Fact]
        public void The_error_frame_for_a_bad_token_has_headers()
        {
            var error = Take(_emulator.OpenSocket("access_token=nonsense")).Single();
            Assert.Equal("Error", error[0]["type"].GetValue<string>());
            Assert.False(string.IsNullOrEmpty(error[0]["headers"]["RCRequestId"].GetValue<string>()));
            Assert.Equal("WSG-101", error[1]["errorCode"].GetValue<string>());
        }

        [Fact]
        public async Task A_revoked_sessions_socket_gets_no_more_events_and_is_closed()
        {
            var (socket, _) = await SubscribedAsync();
            var access = _access;
            await PostAsync("/restapi/v1.0/account/~/extension/~/ring-out", "{\"to\":{\"phoneNumber\":\"+14155550123\"},\"from\":{\"phoneNumber\":\"+16505550001\"}}");
            Assert.Single(Codes(Take(socket)));
            var revoke = new HttpRequestMessage(HttpMethod.Post, "/restapi/oauth/revoke") { Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = access }) };
            revoke.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes(DemoAccount.ClientId + ":" + DemoAccount.ClientSecret)));
            Assert.True((await _http.SendAsync(revoke)).IsSuccessStatusCode);
            _clock.Advance(TimeSpan.FromSeconds(60)); // the call connects and ends: events that must not come
            var after = Take(socket);
            Assert.Empty(Codes(after));
            Assert.Equal("Error", after.Single()[0]["type"].GetValue<string>());
            Assert.True(socket.IsClosed);
            Assert.Empty(Take(socket));
        }
    }
}
