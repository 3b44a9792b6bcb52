using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client.Http;

namespace RingOut.Client
{
    /// <summary>
    /// An authenticated connection to one RingCentral user: one HttpClient pipeline (Microsoft.Extensions.Http:
    /// bearer token → rate budget and retries → transport), the token lifecycle, and the rate budget, shared by
    /// every caller. Safe to use from many threads. Holds no secret in any property or in <see cref="ToString"/>.
    /// </summary>
    public sealed partial class RingCentralSession : IDisposable
    {
        private readonly IHttpClientSource _http;
        private readonly TokenManager _tokens;
        private readonly RetryOptions _retry;
        private readonly Func<Uri, CancellationToken, Task<IEventSocket>>? _eventSocket;
        private int _disposed;

        private RingCentralSession(RingCentralConnectOptions o)
        {
            Server = o.Server;
            EnvironmentName = o.EnvironmentName;
            ClientId = o.ClientId;
            Clock = o.Clock ?? TimeProvider.System;
            _retry = (o.Retry ?? new RetryOptions()).Copy();
            _eventSocket = o.EventSocket;
            Budget = new RateBudget(Clock);
            Secrets = new SecretRedactor();
            _tokens = new TokenManager(Clock, o.ClientId, o.ClientSecret, Secrets) { RefreshMargin = o.RefreshMargin };

            var spec = new PipelineSpec(Server, "RingOut-PowerShell/" + typeof(RingCentralSession).Assembly.GetName().Version)
            {
                Primary = o.Transport,
            };
            spec.Handlers.Add(() => new BearerTokenHandler(_tokens));
            spec.Handlers.Add(() => new RateLimitRetryHandler(Budget, Clock, _retry, Server, spec.MaxResponseBytes) { Exchanged = OnExchanged });
            _http = HttpClientSource.Create(spec);
            _tokens.PostForm = PostFormAsync;
            _tokens.SignedInAgain = signIn => CurrentObserver.Value?.Warn?.Invoke(Messages.SignedInAgain(signIn.Reason));
            Budget.Warn = message =>
            {
                var warn = CurrentObserver.Value?.Warn;
                warn?.Invoke(message);
                return warn != null;
            };
        }

        /// <summary>Signs in and learns who the token belongs to.</summary>
        public static async Task<RingCentralSession> ConnectAsync(RingCentralConnectOptions options, CancellationToken cancellationToken = default)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            if (options.Server == null || !options.Server.IsAbsoluteUri) throw new ArgumentException("The server must be an absolute http(s) address.", nameof(options));
            var session = new RingCentralSession(options);
            try
            {
                // Known before signing in, so that the sign-in is paced with the rest (a fleet signs in together).
                var ledger = !options.ShareRateLimits ? null
                    : options.RateLimitFile != null ? new SharedRateLedger(options.RateLimitFile)
                    : options.Jwt != null ? SharedRateLedger.Default(session.Server, session.ClientId, SharedRateLedger.UserOf(Secret.Reveal(options.Jwt)))
                    : null;
                if (ledger != null) await session.Budget.ShareThroughAsync(ledger, cancellationToken).ConfigureAwait(false);
                if (options.AccessToken != null) session._tokens.UseAccessToken(Secret.Reveal(options.AccessToken));
                else
                {
                    if (string.IsNullOrEmpty(options.ClientId) || options.ClientSecret == null || options.Jwt == null)
                        throw new ArgumentException("The JWT flow needs a client id, a client secret and a JWT credential.", nameof(options));
                    try
                    {
                        await session._tokens.LoginWithJwtAsync(options.Jwt, cancellationToken).ConfigureAwait(false);
                    }
                    catch (RingCentralApiException e) when ((int)e.StatusCode >= 400 && (int)e.StatusCode < 500 && (int)e.StatusCode != 429)
                    {
                        throw new RingCentralAuthenticationException(
                            $"RingCentral refused the sign-in ({e.ErrorCode}: {e.ApiMessage}). Check the client id, client secret and JWT credential.", e);
                    }
                }
                await session.LoadIdentityAsync(cancellationToken).ConfigureAwait(false);
                if (options.ShareRateLimits && ledger == null)
                {
                    // An access token's user is known only now.
                    ledger = session.ExtensionId == null ? null : SharedRateLedger.Default(session.Server, session.ClientId, "sub:" + session.ExtensionId);
                    if (ledger != null) await session.Budget.ShareThroughAsync(ledger, cancellationToken).ConfigureAwait(false);
                    else session.Budget.PaceAlone("this user has no local application data folder, and the shared temporary folder is not used");
                }
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
        public string? ClientId { get; }
        public string? AccountId { get; private set; }
        public string? ExtensionId { get; private set; }
        public string? ExtensionNumber { get; private set; }
        public string? UserName { get; private set; }
        /// <summary>The extension's home country (ISO 3166), which numbers without a country code are read in.</summary>
        public string? HomeCountry { get; private set; }
        public DateTimeOffset ConnectedAt { get; private set; }
        public DateTimeOffset? AccessTokenExpiresOn => _tokens.AccessTokenExpiresOn;
        public DateTimeOffset? RefreshTokenExpiresOn => _tokens.RefreshTokenExpiresOn;
        public bool CanRefresh => _tokens.CanRefresh;
        /// <summary>How many times the access token was refreshed in this session.</summary>
        public int TokenRefreshCount => _tokens.Refreshes;
        /// <summary>Whether the session signs in again by itself when RingCentral ends it (it was opened with a JWT credential).</summary>
        public bool CanSignInAgain => _tokens.CanSignInAgain;
        /// <summary>Each time RingCentral ended the session and it signed in again with its JWT credential, and why.</summary>
        public IReadOnlyList<SessionSignIn> SignInsAgain => _tokens.SignInsAgain;
        public bool IsConnected => Volatile.Read(ref _disposed) == 0;
        // Clock and Budget are the session's machinery, not what a user asks of a session: internal, so that
        // Get-RingCentralSession | Format-List * shows neither (the module sees them through InternalsVisibleTo).
        internal TimeProvider Clock { get; }
        /// <summary>How far the server's clock is from <see cref="Clock"/>, from the Date headers of its answers (what linking calls allows for).</summary>
        public ServerClock ServerClock { get; } = new ServerClock();
        /// <summary>Which call of this session each telephony session (or call log record) was linked to, by any wait.</summary>
        internal CallCorrelation.Claims Claims { get; } = new CallCorrelation.Claims();
        /// <summary>How this session retries (a copy: the session's own cannot be changed once connected).</summary>
        internal RetryOptions Retry => _retry.Copy(); // (Get-RingCentralSession).Retry: a hidden CodeProperty (RingOut.types.ps1xml)
        internal RateBudget Budget { get; }
        /// <summary>The file through which this session paces together with the other sessions of its user and app on the computer, or null (it paces alone).</summary>
        public string? RateLimitsSharedThrough => Budget.SharedThrough;
        /// <summary>The secrets this session knows, for redacting any text that could reach a user.</summary>
        internal SecretRedactor Secrets { get; }

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

        /// <summary>
        /// Names a call that RingCentral placed but whose outcome no one will report (the command following it, or
        /// writing it, was stopped with Ctrl+C), among <see cref="UnknownOutcomes"/>; once per call, thread-safe.
        /// </summary>
        public void RecordStopped(RingOutCall call, string reason)
        {
            if (call == null) throw new ArgumentNullException(nameof(call));
            lock (_unknown)
                if (!_unknown.Any(a => a.CallId == call.Id))
                    _unknown.Add(new RingOutAttempt(call.To ?? "", call.From, call.PlacedAt, reason) { CallId = call.Id });
        }

        /// <summary>The rate budget of each group as this client sees it.</summary>
        internal IReadOnlyList<RateGroupState> RateLimits => // (Get-RingCentralSession).RateLimits: a hidden CodeProperty
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

        /// <summary>A form to the token endpoint. Sign-in and refresh can both be sent again (a refresh within RingCentral's grace).</summary>
        private Task<HttpResponseMessage> PostFormAsync(IDictionary<string, string> form, string what, bool failFast, CancellationToken ct)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/restapi/oauth/token") { Content = new FormUrlEncodedContent(form) };
            new RequestKind { Idempotent = true, FailFast = failFast, UsesClientCredentials = true, Description = what }.AttachTo(request);
            return Http.SendAsync(request, ct);
        }

        private async Task<(HttpResponseMessage response, byte[] body)> SendAsync(HttpMethod method, string path, object? json, RequestKind kind, CancellationToken ct)
        {
            var request = new HttpRequestMessage(method, path);
            if (json != null)
                request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(json))
                {
                    Headers = { ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" } },
                };
            kind.AttachTo(request);
            var sentAt = Clock.GetUtcNow();
            var response = await Http.SendAsync(request, ct).ConfigureAwait(false);
            ServerClock.Observe(response.Headers.Date, sentAt, Clock.GetUtcNow());
            var body = response.Content == null ? Array.Empty<byte>() : await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
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
            var kind = new RequestKind { FailFast = true, Description = "reading the signed-in extension" };
            using (var doc = await GetJsonAsync(ApiPaths.Extension(ApiPaths.Me, ApiPaths.Me), kind, ct).ConfigureAwait(false))
            {
                var root = doc.RootElement;
                ExtensionId = Json.IdString(root, "id") ?? _tokens.OwnerId;
                ExtensionNumber = Json.Str(root, "extensionNumber");
                UserName = Json.Str(root, "name");
                AccountId = root.TryGetProperty("account", out var acc) && acc.ValueKind == JsonValueKind.Object ? Json.IdString(acc, "id") : null;
                HomeCountry = Json.Str(Json.Obj(Json.Obj(root, "regionalSettings"), "homeCountry"), "isoCode");
            }
        }

        /// <summary>How long Disconnect waits for the event subscription's end and the socket's Close frame.</summary>
        private static readonly TimeSpan EventsCloseTimeout = TimeSpan.FromSeconds(5);

        /// <summary>Ends the event subscription and closes its socket, revokes the session's tokens (ending the OAuth session) and disposes it. Revocation errors are ignored, as RingCentral advises.</summary>
        public async Task DisconnectAsync(CancellationToken cancellationToken = default)
        {
            if (!IsConnected) return;
            if (_events is TelephonyEventChannel events)
            {
                // The subscription and the socket first, while the session behind them is alive; a few seconds at most.
                using (var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    bounded.CancelAfter(EventsCloseTimeout);
                    try { await events.CloseAsync(bounded.Token).ConfigureAwait(false); }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { }
                }
            }
            var token = _tokens.TokenToRevoke;
            if (token != null && ClientId != null)
            {
                try
                {
                    var request = new HttpRequestMessage(HttpMethod.Post, "/restapi/oauth/revoke")
                    {
                        Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
                    };
                    new RequestKind { Once = true, UsesClientCredentials = true, Description = "revoking the session" }.AttachTo(request);
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
            _events?.Dispose();
        }
    }
}
