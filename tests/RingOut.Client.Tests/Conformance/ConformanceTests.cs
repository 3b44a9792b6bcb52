using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client;
using RingOut.Emulator;
using Xunit;
using Xunit.Abstractions;

namespace RingOut.Client.Tests.Conformance
{
    /// <summary>
    /// Held to RingCentral's own contract: every request the module sends (path, path and query parameters, body)
    /// and every answer the emulator gives (a status the operation declares, the body against its schema, errors
    /// against RingCentral's error model), for every operation the module uses, error cases included, and every
    /// telephony-session event, validated against RingCentral's published OpenAPI spec (read from ../shared).
    /// Where no spec can be found, the test says plainly that it did not run, as the Pester suite does for pwsh.
    /// </summary>
    public sealed class ConformanceTests
    {
        /// <summary>
        /// What differs from the spec on purpose, each once, with its reason: (operations, where, reason). "where" is
        /// "request …", "response …" or "status N", a pattern on the place of the difference.
        /// </summary>
        public static readonly (string Operations, string Where, string Reason)[] KnownDeviations =
        {
            ("^(createRingOutCall|readRingOutCallStatus)$", "^response /id$",
                "The live server sends the RingOut id as a JSON number though the spec says string: the emulator sends a number as RingCentral does, and the module reads both."),
            ("^(createSubscription)$", "^request /deliveryMode",
                "A subscription made over the WebSocket names transportType WebSocket, which the spec's request schema (WebHook only) lacks: RingCentral's own SDKs send it, and the gateway takes it."),
            ("^(createRingOutCall|readRingOutCallStatus|deleteRingOutCall|readUserCallLog)$", "^status (400|404)$",
                "The spec declares no error answers for these operations: RingCentral's refusals (CMN-101, CMN-102, RON-101) are checked against its general error model (ApiErrorResponseModel) instead."),
            ("^(readRingOutCallStatus)$", "^status 401$",
                "The spec declares 401 for no operation: RingCentral's answer to an expired or revoked access token (OAU-128, OAU-129) is checked against its general error model instead."),
            ("^(readSubscription|updateSubscription|deleteSubscription)$", "^request path subscriptionId$",
                "The spec limits the path's subscriptionId to 20 characters, yet its own SubscriptionInfo example is a 36-character UUID, as RingCentral issues them: the emulator issues UUIDs, and the module sends back the id it was given."),
            ("^(getToken)$", "^status 401$",
                "The spec's token endpoint declares 400 but not 401: a bad client is answered 401 invalid_client, checked against the OAuth error model (OauthInvalidRequest)."),
            ("^(readExtensionInfo)$", "^operation$",
                "GET /restapi/v1.0/account/~/extension/~ (who the user is, and the home country) is not in the subset of the spec kept in ../shared: its answer is read defensively and checked by the emulator's own tests only."),
        };

        private readonly ITestOutputHelper _out;
        public ConformanceTests(ITestOutputHelper output) { _out = output; }

        [SkippableFact]
        public async Task The_modules_requests_the_emulators_answers_and_the_telephony_events_conform_to_RingCentrals_spec()
        {
            var summary = System.IO.Path.Combine(OpenApiContract.RepositoryRoot, "out", "conformance", "summary.txt");
            if (System.IO.File.Exists(summary)) System.IO.File.Delete(summary);
            var spec = OpenApiContract.Spec;
            if (spec == null)
            {
                // Listed where the test command's last line says what did not run, as the tests that need a pwsh are.
                RingOut.Tests.Shared.NotRun.Record(OpenApiContract.RepositoryRoot, "The OpenAPI conformance test",
                    "RingCentral's spec in ../shared/reference/ringcentral-openapi/ (see its SOURCE.md)",
                    nameof(The_modules_requests_the_emulators_answers_and_the_telephony_events_conform_to_RingCentrals_spec));
            }
            Skip.If(spec == null, $"The OpenAPI conformance test was NOT run: {OpenApiContract.WhyNone}. Put RingCentral's spec in ../shared/reference/ringcentral-openapi/ (see its SOURCE.md) and run it again.");

            var record = new Recorder();
            await DriveEveryOperationAsync(record);

            var failures = new List<(string op, string where, string what)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var x in record.Exchanges) Check(spec!, x, seen, failures);
            foreach (var n in record.Notifications)
                foreach (var (location, error) in spec!.Validate(new JsonObject { ["$ref"] = "#/components/schemas/ExtensionTelephonySessionsEvent" }, n))
                    failures.Add(("telephony-session event", "event " + location, error));

            var used = new HashSet<int>();
            var unexplained = failures.Where(f =>
            {
                for (var i = 0; i < KnownDeviations.Length; i++)
                    if (OpenApiContract.Matches(KnownDeviations[i].Operations, f.op) && OpenApiContract.Matches(KnownDeviations[i].Where, f.where)) { used.Add(i); return false; }
                return true;
            }).ToList();

            _out.WriteLine($"{record.Exchanges.Count} exchanges ({record.Exchanges.Count(x => x.Channel == "WS")} over the WebSocket) and {record.Notifications.Count} telephony events checked against {OpenApiContract.SubsetFile}.");
            foreach (var op in spec!.Operations) _out.WriteLine($"  {(seen.Contains(op.Id) ? "checked" : "NOT EXERCISED")}: {op}");
            for (var i = 0; i < KnownDeviations.Length; i++) _out.WriteLine($"  deviation kept on purpose{(used.Contains(i) ? "" : " (not met this run)")}: {KnownDeviations[i].Where} of {KnownDeviations[i].Operations}: {KnownDeviations[i].Reason}");

            System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(summary)!);
            System.IO.File.WriteAllText(summary, $"OpenAPI conformance: {seen.Count} operations, {record.Exchanges.Count} exchanges and {record.Notifications.Count} telephony events checked; {unexplained.Count} not as the spec says; {used.Count} deviations kept on purpose\n");
            Assert.True(unexplained.Count == 0, "Not as RingCentral's spec says:\n" + string.Join("\n", unexplained.Distinct().Select(f => $"{f.op} {f.where}: {f.what}")));
            Assert.Empty(spec.Operations.Select(o => o.Id).Where(id => !seen.Contains(id)));
            Assert.True(record.Notifications.Count >= 4, "too few telephony events were seen: " + record.Notifications.Count);
            Assert.Empty(Enumerable.Range(0, KnownDeviations.Length).Where(i => !used.Contains(i)).Select(i => KnownDeviations[i].Where + " of " + KnownDeviations[i].Operations + " (stale: remove it)"));
        }

        /// <summary>Every operation the module uses, through the module's own client, its refusals included; and the subscription API over HTTP, probed directly.</summary>
        private static async Task DriveEveryOperationAsync(Recorder record)
        {
            var clock = new VirtualClock { AutoAdvance = true };
            var emulator = new RingCentralEmulator(new EmulatorOptions(), clock);
            RingCentralConnectOptions Options(Action<RingCentralConnectOptions>? credential = null)
            {
                var o = new RingCentralConnectOptions
                {
                    Server = RingCentralEmulator.InProcessBaseUri, EnvironmentName = "Emulator", ClientId = DemoAccount.ClientId,
                    ClientSecret = Secret.From(DemoAccount.ClientSecret), Jwt = Secret.From(DemoAccount.UserJwt),
                    Transport = () => record.Http(emulator.CreateHandler()),
                    EventSocket = record.Socket(RingOut.PowerShell.InProcessEventSocket.For(emulator)),
                    Clock = clock,
                };
                credential?.Invoke(o);
                return o;
            }

            // Refusals of sign-in: a wrong grant (a bad JWT), a bad client, a bad access token.
            await Assert.ThrowsAnyAsync<Exception>(() => RingCentralSession.ConnectAsync(Options(o => o.Jwt = Secret.From("not-a-jwt"))));
            await Assert.ThrowsAnyAsync<Exception>(() => RingCentralSession.ConnectAsync(Options(o => o.ClientSecret = Secret.From("wrong-secret"))));
            await Assert.ThrowsAnyAsync<Exception>(() => RingCentralSession.ConnectAsync(Options(o => { o.Jwt = null; o.AccessToken = Secret.From("RCEMU-AT-unknown"); })));

            using var session = await RingCentralSession.ConnectAsync(Options());
            var events = await session.TelephonyEventsAsync() ?? throw new InvalidOperationException("no telephony events: " + session.EventsUnavailable);
            await session.GetForwardingNumbersAsync();

            var byDefault = await session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123" });                      // from: the default forwarding number
            var ringing = await session.PlaceCallAsync(new RingOutCallRequest { To = "+16505550106", ForwardingNumberId = "417276280005", PlayPrompt = true, CountryId = "1" });
            var busy = await session.PlaceCallAsync(new RingOutCallRequest { To = "+16505550101", From = "+16505550002", CallerId = "+16505550000" });
            await Assert.ThrowsAsync<RingCentralApiException>(() => session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123", From = "+16505550001", CallerId = "+14155550000" })); // bad number
            await session.GetCallAsync(ringing.Id);
            await session.CancelCallAsync(ringing.Id);
            await Assert.ThrowsAsync<RingCentralApiException>(() => session.CancelCallAsync(ringing.Id)); // cancelled already
            await Assert.ThrowsAsync<RingCentralApiException>(() => session.GetCallAsync("999"));           // unknown id
            await events.KeepAliveAndReadAsync(0, null, CancellationToken.None);

            clock.Advance(TimeSpan.FromSeconds(12)); // connected
            var live = await session.GetActiveCallsAsync();
            var telephonySession = live.First(r => r.To == "+14155550123").TelephonySessionId!;
            await session.GetCallSessionAsync(telephonySession);
            await session.HangUpAsync(await session.RefreshCallAsync(byDefault));
            await Assert.ThrowsAsync<RingCentralApiException>(() => session.EndCallSessionAsync(telephonySession)); // over
            await Assert.ThrowsAsync<RingCentralApiException>(() => session.GetCallSessionAsync("s-unknown"));
            await events.KeepAliveAndReadAsync(0, null, CancellationToken.None);

            clock.Advance(TimeSpan.FromMinutes(14)); // the subscription is renewed
            await events.KeepAliveAndReadAsync(0, null, CancellationToken.None);
            await session.GetCallLogAsync(clock.GetUtcNow().AddHours(-1));

            // The subscription API over plain HTTP (the module uses the socket): the emulator's answers are held to the spec too.
            var access = emulator.IssuedTokens.Last(t => t.StartsWith("RCEMU-AT-", StringComparison.Ordinal));
            using (var http = new HttpClient(record.Http(emulator.CreateHandler())) { BaseAddress = RingCentralEmulator.InProcessBaseUri })
            {
                async Task<JsonElement> Send(HttpMethod method, string path, string? json = null)
                {
                    var req = new HttpRequestMessage(method, path) { Content = json == null ? null : new StringContent(json, Encoding.UTF8, "application/json") };
                    req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", access);
                    var text = await (await http.SendAsync(req)).Content.ReadAsStringAsync();
                    return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
                }
                var filters = "\"eventFilters\":[\"/restapi/v1.0/account/~/extension/~/telephony/sessions\"]";
                var id = (await Send(HttpMethod.Post, "/restapi/v1.0/subscription", $"{{{filters},\"deliveryMode\":{{\"transportType\":\"WebHook\",\"address\":\"https://example.invalid/hook\"}}}}")).GetProperty("id").GetString();
                await Send(HttpMethod.Get, "/restapi/v1.0/subscription/" + id);
                await Send(HttpMethod.Put, "/restapi/v1.0/subscription/" + id, $"{{{filters}}}");
                await Send(HttpMethod.Delete, "/restapi/v1.0/subscription/" + id);
                await Send(HttpMethod.Get, "/restapi/v1.0/subscription/" + id); // 404
                await Send(HttpMethod.Get, "/restapi/v1.0/account/~/extension/~/call-log?view=Detailed&dateFrom=2000-01-01T00:00:00.000Z"); // legs, which the module does not read
            }

            emulator.Faults.Add(FaultKind.ExpireAccessToken, "GET", "ring-out", 1); // a 401, after which the module refreshes and reads again
            await session.GetCallAsync((await session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550199", From = busy.From })).Id);

            await session.DisconnectAsync(); // revoke
        }

        /// <summary>One exchange against the operation the spec has for it.</summary>
        private static void Check(OpenApiContract spec, Recorder.Exchange x, HashSet<string> seen, List<(string, string, string)> failures)
        {
            var found = spec.Find(x.Method, x.Path);
            if (found == null)
            {
                var name = x.Method == "GET" && OpenApiContract.Matches(@"^/restapi/v1\.0/account/[^/]+/extension/[^/]+$", x.Path) ? "readExtensionInfo" : $"{x.Method} {x.Path}";
                failures.Add((name, "operation", "the spec (subset) has no such operation"));
                return;
            }
            var (op, pathValues) = found.Value;
            seen.Add(op.Id);
            void Fail(string where, string what) => failures.Add((op.Id, where, what));

            // The request: path and query parameters, body.
            var parameters = spec.Parameters(op).ToList();
            foreach (var p in parameters.Where(p => p["in"]?.GetValue<string>() == "path"))
            {
                var name = p["name"]!.GetValue<string>();
                if (!pathValues.TryGetValue(name, out var value)) { Fail("request path", "no value for " + name); continue; }
                foreach (var (l, e) in spec.Validate(p["schema"]!, spec.Typed(p["schema"]!, value))) Fail("request path " + name + l, e);
            }
            var query = OpenApiContract.Query(x.Query).ToList();
            foreach (var (name, value) in query)
            {
                var param = parameters.FirstOrDefault(p => p["in"]?.GetValue<string>() == "query" && p["name"]?.GetValue<string>() == name);
                if (param == null) { Fail("request query " + name, "not a parameter of the operation"); continue; }
                foreach (var (l, e) in spec.Validate(param["schema"]!, spec.Typed(param["schema"]!, value))) Fail("request query " + name + l, e);
            }
            foreach (var p in parameters.Where(p => p["in"]?.GetValue<string>() == "query" && p["required"]?.GetValue<bool>() == true))
                if (!query.Any(q => q.name == p["name"]!.GetValue<string>())) Fail("request query", "required parameter " + p["name"] + " is missing");

            var requestBody = op.Definition["requestBody"] is JsonObject rb ? (rb["$ref"] is JsonValue r ? spec.Resolve(r.GetValue<string>()) : rb) : null;
            if (x.RequestBody.Length == 0)
            {
                if (requestBody?["required"]?.GetValue<bool>() == true) Fail("request body", "required, but none was sent");
            }
            else if (requestBody == null) Fail("request body", "sent, but the operation takes none");
            else
            {
                var media = (x.RequestContentType ?? "").Split(';')[0].Trim();
                var schema = OpenApiContract.SchemaOf(requestBody, media);
                if (schema == null) Fail("request body", $"Content-Type {media} is not one the operation takes");
                else
                {
                    var instance = media == "application/x-www-form-urlencoded" ? OpenApiContract.Form(x.RequestBody) : JsonDocument.Parse(x.RequestBody).RootElement;
                    foreach (var (l, e) in spec.Validate(schema, instance)) Fail("request " + l, e);
                }
            }

            // The answer: a declared status, and a body that matches its schema.
            var responses = op.Definition["responses"]!.AsObject();
            var status = x.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            JsonObject? response = responses[status] is JsonObject declared ? (declared["$ref"] is JsonValue dr ? spec.Resolve(dr.GetValue<string>()) : declared) : null;
            JsonNode? bodySchema;
            if (response != null) bodySchema = OpenApiContract.SchemaOf(response, "application/json");
            else if (x.Status >= 400)
            {
                Fail("status " + status, "not declared by the operation");
                bodySchema = x.Path.StartsWith("/restapi/oauth/", StringComparison.Ordinal)
                    ? OpenApiContract.SchemaOf(spec.Resolve("#/components/responses/OauthInvalidRequest"), "application/json")
                    : new JsonObject { ["$ref"] = "#/components/schemas/ApiErrorResponseModel" };
            }
            else { Fail("status " + status, "not declared by the operation"); return; }
            if (bodySchema == null)
            {
                if (x.Status == 204 && x.ResponseBody.Length != 0) Fail("response", "a 204 with a body");
                return;
            }
            JsonElement body;
            try { body = JsonDocument.Parse(x.ResponseBody).RootElement; }
            catch (JsonException) { Fail("response", "not JSON: " + x.ResponseBody); return; }
            foreach (var (l, e) in spec.Validate(bodySchema, body)) Fail("response " + l, e);
        }
    }

    /// <summary>Records what the module sends and what it is answered: over HTTP (a handler at the transport's place) and over the WebSocket.</summary>
    public sealed class Recorder
    {
        public sealed class Exchange
        {
            public required string Channel, Method, Path, Query, RequestBody, ResponseBody;
            public string? RequestContentType;
            public int Status;
            public override string ToString() => $"{Channel} {Method} {Path}{Query} -> {Status}";
        }

        private readonly object _gate = new object();
        private readonly List<Exchange> _exchanges = new List<Exchange>();
        private readonly List<JsonElement> _notifications = new List<JsonElement>();
        private readonly Dictionary<string, (string method, string path, string body)> _pending = new Dictionary<string, (string, string, string)>(StringComparer.Ordinal);

        public IReadOnlyList<Exchange> Exchanges { get { lock (_gate) return _exchanges.ToList(); } }
        /// <summary>The body of every ServerNotification: one telephony-session event each.</summary>
        public IReadOnlyList<JsonElement> Notifications { get { lock (_gate) return _notifications.ToList(); } }

        public HttpMessageHandler Http(HttpMessageHandler inner) => new Handler(this, inner);

        public Func<Uri, CancellationToken, Task<IEventSocket>> Socket(Func<Uri, CancellationToken, Task<IEventSocket>> inner) =>
            async (address, ct) => new RecordingSocket(this, await inner(address, ct).ConfigureAwait(false));

        private sealed class Handler : DelegatingHandler
        {
            private readonly Recorder _r;
            public Handler(Recorder r, HttpMessageHandler inner) : base(inner) { _r = r; }

            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var sent = request.Content == null ? "" : await request.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                var answer = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                lock (_r._gate)
                    _r._exchanges.Add(new Exchange
                    {
                        Channel = "HTTP", Method = request.Method.Method, Path = request.RequestUri!.AbsolutePath, Query = request.RequestUri.Query,
                        RequestBody = sent, RequestContentType = request.Content?.Headers.ContentType?.ToString(), Status = (int)response.StatusCode, ResponseBody = answer,
                    });
                return response;
            }
        }

        private sealed class RecordingSocket : IEventSocket
        {
            private readonly Recorder _r;
            private readonly IEventSocket _inner;
            public RecordingSocket(Recorder r, IEventSocket inner) { _r = r; _inner = inner; }
            public bool IsOpen => _inner.IsOpen;
            public void Dispose() => _inner.Dispose();

            public Task SendAsync(string text, CancellationToken cancellationToken)
            {
                var message = JsonNode.Parse(text)!.AsArray();
                var meta = message[0]!;
                if (meta["type"]?.GetValue<string>() == "ClientRequest")
                    lock (_r._gate)
                        _r._pending[meta["messageId"]!.GetValue<string>()] = (meta["method"]!.GetValue<string>(), meta["path"]!.GetValue<string>(), message.Count > 1 ? message[1]?.ToJsonString() ?? "null" : "");
                return _inner.SendAsync(text, cancellationToken);
            }

            public IReadOnlyList<string> Drain()
            {
                var all = _inner.Drain();
                foreach (var text in all)
                {
                    var message = JsonNode.Parse(text)!.AsArray();
                    var meta = message[0]!;
                    var body = message.Count > 1 ? message[1]?.ToJsonString() ?? "" : "";
                    var type = meta["type"]?.GetValue<string>();
                    var id = meta["messageId"]?.GetValue<string>();
                    lock (_r._gate)
                    {
                        if (type == "ServerNotification") _r._notifications.Add(JsonDocument.Parse(body).RootElement.Clone());
                        else if (id != null && _r._pending.Remove(id, out var request))
                        {
                            var path = request.path.Split('?');
                            _r._exchanges.Add(new Exchange
                            {
                                Channel = "WS", Method = request.method, Path = path[0], Query = path.Length > 1 ? "?" + path[1] : "", RequestBody = request.body,
                                RequestContentType = "application/json", Status = meta["status"]?.GetValue<int>() ?? 0, ResponseBody = body,
                            });
                        }
                    }
                }
                return all;
            }
        }
    }
}
