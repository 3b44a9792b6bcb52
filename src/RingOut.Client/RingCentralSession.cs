using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client.Http;

namespace RingOut.Client
{
    /// <summary>How to connect: the server, and the credential (JWT flow, or an access token brought along).</summary>
    public sealed class RingCentralConnectOptions
    {
        public static readonly Uri ProductionServer = new Uri("https://platform.ringcentral.com");

        public Uri Server { get; set; } = ProductionServer;
        /// <summary>A name for the platform: Production, Emulator, or Custom.</summary>
        public string EnvironmentName { get; set; } = "Production";
        public string ClientId { get; set; }
        public SecureString ClientSecret { get; set; }
        public SecureString Jwt { get; set; }
        /// <summary>An access token to use as it is (no refresh token: the session ends when it expires).</summary>
        public SecureString AccessToken { get; set; }
        /// <summary>The innermost transport; null for the network. The in-process emulator supplies its own.</summary>
        public Func<HttpMessageHandler> Transport { get; set; }
        public TimeProvider Clock { get; set; } = TimeProvider.System;
        public RetryOptions Retry { get; set; } = new RetryOptions();
        public TimeSpan RefreshMargin { get; set; } = TimeSpan.FromSeconds(60);
    }

    /// <summary>One HTTP exchange, for -Verbose logging: never a header value or a body.</summary>
    public sealed class HttpExchange
    {
        public string Method { get; internal set; }
        public string Path { get; internal set; }
        public int? StatusCode { get; internal set; }
        public string RateLimitGroup { get; internal set; }
        public int? RateLimitRemaining { get; internal set; }
        public TimeSpan Elapsed { get; internal set; }
        public string Failure { get; internal set; }
        /// <summary>The request body with every secret replaced by ***, when bodies are captured (see <see cref="RingCentralSession.ObserveExchanges"/>).</summary>
        public string RequestBody { get; internal set; }
        /// <summary>The response body with every token replaced by ***, when bodies are captured.</summary>
        public string ResponseBody { get; internal set; }
        public override string ToString() =>
            $"{Method} {Path} -> {(StatusCode?.ToString(CultureInfo.InvariantCulture) ?? Failure)}" +
            (RateLimitGroup != null ? $" ({RateLimitGroup} remaining {RateLimitRemaining})" : "") +
            $" in {Elapsed.TotalMilliseconds:0} ms";
    }

    /// <summary>
    /// An authenticated connection to one RingCentral user: one HttpClient pipeline (Microsoft.Extensions.Http:
    /// bearer token → rate budget and retries → transport), the token lifecycle, and the rate budget, shared by
    /// every caller. Safe to use from many threads. Holds no secret in any property or in <see cref="ToString"/>.
    /// </summary>
    public sealed class RingCentralSession : IDisposable
    {
        private readonly IHttpClientSource _http;
        private readonly TokenManager _tokens;
        private readonly RetryOptions _retry;
        private int _disposed;

        private RingCentralSession(RingCentralConnectOptions o)
        {
            Server = o.Server;
            EnvironmentName = o.EnvironmentName;
            ClientId = o.ClientId;
            Clock = o.Clock ?? TimeProvider.System;
            _retry = (o.Retry ?? new RetryOptions()).Copy();
            Budget = new RateBudget(Clock);
            Secrets = new SecretRedactor();
            _tokens = new TokenManager(Clock, o.ClientId, o.ClientSecret, Secrets) { RefreshMargin = o.RefreshMargin };

            var spec = new PipelineSpec
            {
                BaseAddress = Server,
                UserAgent = "RingOut-PowerShell/" + typeof(RingCentralSession).Assembly.GetName().Version,
                Primary = o.Transport,
            };
            spec.Handlers.Add(() => new BearerTokenHandler(_tokens));
            spec.Handlers.Add(() => new RateLimitRetryHandler(Budget, Clock, _retry, Server, spec.MaxResponseBytes) { Exchanged = OnExchanged });
            _http = HttpClientSource.Create(spec);
            _tokens.PostForm = PostFormAsync;
        }

        /// <summary>Signs in and learns who the token belongs to.</summary>
        public static async Task<RingCentralSession> ConnectAsync(RingCentralConnectOptions options, CancellationToken cancellationToken = default)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            if (options.Server == null || !options.Server.IsAbsoluteUri) throw new ArgumentException("The server must be an absolute http(s) address.", nameof(options));
            var session = new RingCentralSession(options);
            try
            {
                if (options.AccessToken != null) session._tokens.UseAccessToken(Secret.Reveal(options.AccessToken));
                else
                {
                    if (string.IsNullOrEmpty(options.ClientId) || options.ClientSecret == null || options.Jwt == null)
                        throw new ArgumentException("The JWT flow needs a client id, a client secret and a JWT credential.", nameof(options));
                    try
                    {
                        await session._tokens.LoginWithJwtAsync(Secret.Reveal(options.Jwt), cancellationToken).ConfigureAwait(false);
                    }
                    catch (RingCentralApiException e) when ((int)e.StatusCode >= 400 && (int)e.StatusCode < 500 && (int)e.StatusCode != 429)
                    {
                        throw new RingCentralAuthenticationException(
                            $"RingCentral refused the sign-in ({e.ErrorCode}: {e.ApiMessage}). Check the client id, client secret and JWT credential.", e);
                    }
                }
                await session.LoadIdentityAsync(cancellationToken).ConfigureAwait(false);
                session.ConnectedAt = session.Clock.GetUtcNow();
                return session;
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }

        public Uri Server { get; }
        public string EnvironmentName { get; }
        public string ClientId { get; }
        public string AccountId { get; private set; }
        public string ExtensionId { get; private set; }
        public string ExtensionNumber { get; private set; }
        public string UserName { get; private set; }
        /// <summary>The extension's home country (ISO 3166), which numbers without a country code are read in.</summary>
        public string HomeCountry { get; private set; }
        public DateTimeOffset ConnectedAt { get; private set; }
        public DateTimeOffset? AccessTokenExpiresOn => _tokens.AccessTokenExpiresOn;
        public DateTimeOffset? RefreshTokenExpiresOn => _tokens.RefreshTokenExpiresOn;
        public bool CanRefresh => _tokens.CanRefresh;
        /// <summary>How many times the access token was refreshed in this session.</summary>
        public int TokenRefreshCount => _tokens.Refreshes;
        public bool IsConnected => Volatile.Read(ref _disposed) == 0;
        public TimeProvider Clock { get; }
        /// <summary>How this session retries (a copy: the session's own cannot be changed once connected).</summary>
        public RetryOptions Retry => _retry.Copy();
        public RateBudget Budget { get; }
        /// <summary>The secrets this session knows, for redacting any text that could reach a user.</summary>
        public SecretRedactor Secrets { get; }

        private readonly List<RingOutAttempt> _unknown = new List<RingOutAttempt>();

        /// <summary>
        /// Every call this session asked RingCentral to place whose outcome it could not learn (the answer was lost,
        /// unreadable, a gateway's error, or the wait for it was stopped with Ctrl+C): the numbers that may have been
        /// called. Check them before placing them again.
        /// </summary>
        public IReadOnlyList<RingOutAttempt> UnknownOutcomes { get { lock (_unknown) return _unknown.ToArray(); } }

        private void RecordUnknown(RingOutAttempt attempt)
        {
            lock (_unknown) _unknown.Add(attempt);
        }

        private sealed class Observer
        {
            public Action<HttpExchange> Log;
            public bool Bodies;
        }

        /// <summary>The observer of the current async flow: each request is told to the caller that made it, whatever its session.</summary>
        private static readonly AsyncLocal<Observer> CurrentObserver = new AsyncLocal<Observer>();

        /// <summary>
        /// Tells <paramref name="log"/> of every HTTP exchange that the calling flow makes from now on, through any
        /// session, until the returned object is disposed: never of another caller's. With
        /// <paramref name="captureBodies"/>, the exchanges carry their bodies, redacted. An exchange carries no header value.
        /// </summary>
        public static IDisposable ObserveExchanges(Action<HttpExchange> log, bool captureBodies)
        {
            var previous = CurrentObserver.Value;
            CurrentObserver.Value = log == null ? null : new Observer { Log = log, Bodies = captureBodies };
            return new Release(() => CurrentObserver.Value = previous);
        }

        private sealed class Release : IDisposable
        {
            private Action _action;
            public Release(Action action) { _action = action; }
            public void Dispose() => Interlocked.Exchange(ref _action, null)?.Invoke();
        }

        /// <summary>The rate budget of each group as this client sees it.</summary>
        public IReadOnlyList<RateGroupState> RateLimits =>
            new[] { RateGroup.Light, RateGroup.Medium, RateGroup.Heavy, RateGroup.Auth }.Select(Budget.State).ToArray();

        public override string ToString() =>
            $"{UserName} (extension {ExtensionNumber}, id {ExtensionId}, account {AccountId}) at {Server}" +
            (AccessTokenExpiresOn is DateTimeOffset e ? $"; access token expires {e:u}" : "");

        private HttpClient Http
        {
            get
            {
                if (!IsConnected) throw new ObjectDisposedException(nameof(RingCentralSession), Messages.Disconnected);
                return _http.CreateClient();
            }
        }

        private void OnExchanged(HttpRequestMessage request, HttpResponseMessage response, TimeSpan elapsed, Exception failure)
        {
            var observer = CurrentObserver.Value;
            if (observer == null) return;
            int? remaining = response != null && int.TryParse(RingCentralApiException.Header(response, "X-Rate-Limit-Remaining"), out var r) ? r : (int?)null;
            string requestBody = null, responseBody = null;
            if (observer.Bodies)
            {
                requestBody = Redaction.Body(request.Content, Secrets);
                responseBody = Redaction.Body(response?.Content, Secrets);
            }
            observer.Log(new HttpExchange
            {
                Method = request.Method.Method,
                Path = request.RequestUri.IsAbsoluteUri ? request.RequestUri.AbsolutePath : request.RequestUri.OriginalString,
                StatusCode = response != null ? (int)response.StatusCode : (int?)null,
                RateLimitGroup = response != null ? RingCentralApiException.Header(response, "X-Rate-Limit-Group") : null,
                RateLimitRemaining = remaining,
                Elapsed = elapsed,
                Failure = failure?.GetType().Name,
                RequestBody = requestBody,
                ResponseBody = responseBody,
            });
        }

        /// <summary>A form to the token endpoint. Sign-in and refresh can both be sent again (a refresh within RingCentral's grace).</summary>
        private Task<HttpResponseMessage> PostFormAsync(IDictionary<string, string> form, string what, bool failFast, CancellationToken ct)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/restapi/oauth/token") { Content = new FormUrlEncodedContent(form) };
            new RequestKind { Group = RateGroup.Auth, Idempotent = true, FailFast = failFast, UsesClientCredentials = true, Description = what }.AttachTo(request);
            return Http.SendAsync(request, ct);
        }

        private async Task<(HttpResponseMessage response, byte[] body)> SendAsync(HttpMethod method, string path, object json, RequestKind kind, CancellationToken ct)
        {
            var request = new HttpRequestMessage(method, path);
            if (json != null)
                request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(json))
                {
                    Headers = { ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" } },
                };
            kind.AttachTo(request);
            var response = await Http.SendAsync(request, ct).ConfigureAwait(false);
            var body = response.Content == null ? new byte[0] : await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            return (response, body);
        }

        private async Task<JsonDocument> GetJsonAsync(string path, RequestKind kind, CancellationToken ct)
        {
            var what = kind.Description;
            var (response, body) = await SendAsync(HttpMethod.Get, path, null, kind, ct).ConfigureAwait(false);
            using (response)
            {
                if (!response.IsSuccessStatusCode) throw RingCentralApiException.From(response, body, what, Secrets);
                return ParseJson(body, what);
            }
        }

        internal static JsonDocument ParseJson(byte[] body, string what)
        {
            try { return JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 }); }
            catch (JsonException e) { throw new RingCentralProtocolException($"RingCentral's answer to {what} is not valid JSON.", e); }
        }

        private async Task LoadIdentityAsync(CancellationToken ct)
        {
            var kind = new RequestKind { Group = RateGroup.Light, FailFast = true, Description = "reading the signed-in extension" };
            using (var doc = await GetJsonAsync(ApiPaths.Extension(ApiPaths.Me, ApiPaths.Me), kind, ct).ConfigureAwait(false))
            {
                var root = doc.RootElement;
                ExtensionId = Json.IdString(root, "id") ?? _tokens.OwnerId;
                ExtensionNumber = Json.Str(root, "extensionNumber");
                UserName = Json.Str(root, "name");
                AccountId = root.TryGetProperty("account", out var acc) && acc.ValueKind == JsonValueKind.Object ? Json.IdString(acc, "id") : null;
                HomeCountry = root.TryGetProperty("regionalSettings", out var rs) && rs.ValueKind == JsonValueKind.Object &&
                              rs.TryGetProperty("homeCountry", out var hc) ? Json.Str(hc, "isoCode") : null;
            }
        }

        /// <summary>Revokes the session's tokens (ending the OAuth session) and disposes it. Revocation errors are ignored, as RingCentral advises.</summary>
        public async Task DisconnectAsync(CancellationToken cancellationToken = default)
        {
            if (!IsConnected) return;
            var token = _tokens.TokenToRevoke;
            if (token != null && ClientId != null)
            {
                try
                {
                    var request = new HttpRequestMessage(HttpMethod.Post, "/restapi/oauth/revoke")
                    {
                        Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
                    };
                    new RequestKind { Group = RateGroup.Auth, Once = true, UsesClientCredentials = true, Description = "revoking the session" }.AttachTo(request);
                    using (await Http.SendAsync(request, cancellationToken).ConfigureAwait(false)) { }
                }
                catch (Exception e) when (!(e is OperationCanceledException)) { }
            }
            _tokens.Forget(Messages.Disconnected);
            Dispose();
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            _http.Dispose();
            _tokens.Dispose();
        }

        // ------------------------------------------------------------------ RingOut API

        /// <summary>RingCentral's rate group for placing a call (POST ring-out): the one place it is decided, for the
        /// request and for anything that shows or estimates the pacing of calls.</summary>
        public const RateGroup PlaceCallGroup = RateGroup.Heavy;

        /// <summary>
        /// POST ring-out. Sent once: retried only when RingCentral provably did not act on it. When the outcome
        /// cannot be known, throws <see cref="RingOutOutcomeUnknownException"/>.
        /// </summary>
        public async Task<RingOutCall> PlaceCallAsync(RingOutCallRequest request, CancellationToken cancellationToken = default)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            var account = ApiPaths.Owner(RingCentralIdKind.AccountId, request.AccountId);
            var extension = ApiPaths.Owner(RingCentralIdKind.ExtensionId, request.ExtensionId);
            var path = ApiPaths.RingOut(account, extension);
            var region = request.DefaultRegion ?? HomeCountry;
            var to = PhoneNumber.Normalize(request.To, region);
            var body = new Dictionary<string, object> { ["to"] = new Dictionary<string, string> { ["phoneNumber"] = to } };
            string from = null;
            if (!string.IsNullOrEmpty(request.ForwardingNumberId))
                body["from"] = new Dictionary<string, string> { ["forwardingNumberId"] = request.ForwardingNumberId };
            else if (!string.IsNullOrEmpty(request.From))
                body["from"] = new Dictionary<string, string> { ["phoneNumber"] = from = PhoneNumber.Normalize(request.From, region) };
            if (!string.IsNullOrEmpty(request.CallerId))
                body["callerId"] = new Dictionary<string, string> { ["phoneNumber"] = PhoneNumber.Normalize(request.CallerId, region) };
            if (request.PlayPrompt) body["playPrompt"] = true;
            if (!string.IsNullOrEmpty(request.CountryId)) body["country"] = new Dictionary<string, string> { ["id"] = request.CountryId };

            var what = $"placing a RingOut call to {to}";
            var kind = new RequestKind { Group = PlaceCallGroup, Idempotent = false, Description = what };
            var sentAt = Clock.GetUtcNow();
            try
            {
                var (response, bytes) = await SendAsync(HttpMethod.Post, path, body, kind, cancellationToken).ConfigureAwait(false);
                using (response)
                {
                    if (!response.IsSuccessStatusCode) throw RingCentralApiException.From(response, bytes, what, Secrets);
                    var now = Clock.GetUtcNow();
                    try
                    {
                        using (var doc = ParseJson(bytes, what))
                            return ReadCall(doc.RootElement, from, to, account, extension, now, now);
                    }
                    catch (RingCentralProtocolException e)
                    {
                        throw new RingOutOutcomeUnknownException(
                            $"RingCentral accepted the call to {to} (HTTP {(int)response.StatusCode}{RequestIdText(response)}) but its answer could not be read, so the call's id is unknown. The call was probably placed: check your phone or the call log before placing it again.", e);
                    }
                }
            }
            catch (RingOutOutcomeUnknownException e)
            {
                RecordUnknown(new RingOutAttempt(to, from, sentAt, e.Message));
                throw;
            }
            catch (OperationCanceledException) when (kind.MayHaveBeenSent)
            {
                RecordUnknown(new RingOutAttempt(to, from, sentAt, "The wait for RingCentral's answer was stopped (Ctrl+C) after the request was sent: the call may have been placed."));
                throw;
            }
        }

        private static string RequestIdText(HttpResponseMessage r)
        {
            var id = RingCentralApiException.Header(r, "RCRequestId");
            return id == null ? "" : ", RCRequestId " + id;
        }

        /// <summary>GET ring-out/{id}: a fresh snapshot. A call RingCentral no longer knows throws <see cref="RingCentralApiException"/> with <see cref="RingCentralApiException.IsNotFound"/>.</summary>
        public async Task<RingOutCall> GetCallAsync(string id, string accountId = ApiPaths.Me, string extensionId = ApiPaths.Me, CancellationToken cancellationToken = default)
        {
            var path = ApiPaths.RingOut(accountId, extensionId, id);
            var what = $"reading RingOut call {id}";
            using (var doc = await GetJsonAsync(path, new RequestKind { Group = RateGroup.Light, Description = what }, cancellationToken).ConfigureAwait(false))
            {
                var now = Clock.GetUtcNow();
                return ReadCall(doc.RootElement, null, null, accountId, extensionId, now, now);
            }
        }

        /// <summary>A newer snapshot of <paramref name="call"/>; when RingCentral no longer knows it, the last snapshot marked gone.</summary>
        public async Task<RingOutCall> RefreshCallAsync(RingOutCall call, CancellationToken cancellationToken = default)
        {
            try
            {
                var fresh = await GetCallAsync(call.Id, call.AccountId, call.ExtensionId, cancellationToken).ConfigureAwait(false);
                return call.UpdatedBy(fresh);
            }
            catch (RingCentralApiException e) when (e.IsNotFound)
            {
                return call.AsGone(Clock.GetUtcNow());
            }
        }

        /// <summary>DELETE ring-out/{id}: cancels the call while the called party is still being rung.</summary>
        public async Task CancelCallAsync(string id, string accountId = ApiPaths.Me, string extensionId = ApiPaths.Me, CancellationToken cancellationToken = default)
        {
            var path = ApiPaths.RingOut(accountId, extensionId, id);
            var what = $"cancelling RingOut call {id}";
            var (response, bytes) = await SendAsync(HttpMethod.Delete, path, null, new RequestKind { Group = RateGroup.Heavy, Description = what }, cancellationToken).ConfigureAwait(false);
            using (response)
                if (!response.IsSuccessStatusCode) throw RingCentralApiException.From(response, bytes, what, Secrets);
        }

        /// <summary>All of the user's forwarding numbers (every page).</summary>
        public async Task<IReadOnlyList<ForwardingNumber>> GetForwardingNumbersAsync(CancellationToken cancellationToken = default)
        {
            var result = new List<ForwardingNumber>();
            for (var page = 1; page <= 100; page++)
            {
                using (var doc = await GetJsonAsync($"{ApiPaths.Extension(ApiPaths.Me, ApiPaths.Me)}/forwarding-number?page={page}&perPage=100", new RequestKind { Group = RateGroup.Light, Description = "listing forwarding numbers" }, cancellationToken).ConfigureAwait(false))
                {
                    var root = doc.RootElement;
                    if (root.TryGetProperty("records", out var records) && records.ValueKind == JsonValueKind.Array)
                        foreach (var r in records.EnumerateArray())
                            result.Add(new ForwardingNumber
                            {
                                Id = Json.IdString(r, "id"), PhoneNumber = Json.Str(r, "phoneNumber"), Label = Json.Str(r, "label"), Type = Json.Str(r, "type"),
                                Features = r.TryGetProperty("features", out var f) && f.ValueKind == JsonValueKind.Array
                                    ? f.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()).ToArray() : new string[0],
                            });
                    var totalPages = root.TryGetProperty("paging", out var p) && p.ValueKind == JsonValueKind.Object &&
                                     p.TryGetProperty("totalPages", out var tp) && tp.TryGetInt32(out var n) ? n : 1;
                    if (page >= totalPages) break;
                }
            }
            return result;
        }

        private RingOutCall ReadCall(JsonElement root, string from, string to, string accountId, string extensionId, DateTimeOffset placedAt, DateTimeOffset at)
        {
            if (root.ValueKind != JsonValueKind.Object) throw new RingCentralProtocolException("The RingOut answer is not a JSON object.");
            var id = Json.IdString(root, "id");
            if (string.IsNullOrEmpty(id)) throw new RingCentralProtocolException("The RingOut answer has no id.");
            string call = null, caller = null, callee = null;
            if (root.TryGetProperty("status", out var st) && st.ValueKind == JsonValueKind.Object)
            {
                call = Json.Str(st, "callStatus"); caller = Json.Str(st, "callerStatus"); callee = Json.Str(st, "calleeStatus");
            }
            return new RingOutCall(id, Json.Str(root, "uri"), call, caller, callee, from, to,
                string.IsNullOrEmpty(accountId) ? ApiPaths.Me : accountId, string.IsNullOrEmpty(extensionId) ? ApiPaths.Me : extensionId, placedAt, at, false, this);
        }
    }

    internal static class Json
    {
        public static string Str(JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        /// <summary>An id that may come as a JSON number or a string, kept as an opaque string.</summary>
        public static string IdString(JsonElement e, string name)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v)) return null;
            switch (v.ValueKind)
            {
                case JsonValueKind.String: return v.GetString();
                case JsonValueKind.Number: return v.GetRawText();
                default: return null;
            }
        }
    }
}
