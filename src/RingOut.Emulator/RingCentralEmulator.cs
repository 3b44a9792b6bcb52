using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace RingOut.Emulator
{
    /// <summary>
    /// A stand-in for RingCentral's platform: OAuth (JWT, refresh, auth code with PKCE, revoke), RingOut
    /// create/get/delete with a scripted call state machine, forwarding and phone numbers, rate limits,
    /// RingCentral's error bodies, fault injection and request counts. It runs on any <see cref="TimeProvider"/>;
    /// the same core is served in-process (<see cref="CreateHandler"/>) or on loopback by RingOut.Emulator.Server.
    /// </summary>
    public sealed partial class RingCentralEmulator
    {
        /// <summary>The base address the module uses for the in-process emulator. The .invalid name never resolves.</summary>
        public static readonly Uri InProcessBaseUri = new Uri("https://emulator.ringout.invalid");

        private static readonly Regex E164 = new Regex(@"^\+?[1-9][0-9]{6,14}$", RegexOptions.CultureInvariant);
        private readonly object _gate = new object();
        private readonly OAuthServer _oauth;
        private readonly WebSocketGateway _gateway;
        private readonly CallBook _calls = new CallBook();
        private readonly RateLimiter _limiter = new RateLimiter();

        public RingCentralEmulator() : this(new EmulatorOptions(), TimeProvider.System) { }

        public RingCentralEmulator(EmulatorOptions options, TimeProvider clock)
        {
            Options = options ?? throw new ArgumentNullException(nameof(options));
            Clock = clock ?? throw new ArgumentNullException(nameof(clock));
            _oauth = new OAuthServer(_gate, Options, Clock, Statistics);
            _gateway = new WebSocketGateway(this, _gate);
            AddApp(new EmulatedApp(DemoAccount.ClientId, DemoAccount.ClientSecret));
            foreach (var u in DemoAccount.Users()) AddUser(u);
        }

        public EmulatorOptions Options { get; }
        public TimeProvider Clock { get; }
        public EmulatorStatistics Statistics { get; } = new EmulatorStatistics();
        public FaultInjector Faults { get; } = new FaultInjector();

        public void AddApp(EmulatedApp app) => _oauth.AddApp(app);
        public void AddUser(EmulatedUser user) => _oauth.AddUser(user);

        /// <summary>Every access and refresh token issued so far: for tests that prove no token leaks anywhere.</summary>
        public IReadOnlyList<string> IssuedTokens => _oauth.IssuedTokens;

        /// <summary>The calls made so far, newest last (including those past retention).</summary>
        public IReadOnlyList<EmulatedCall> Calls { get { lock (_gate) return _calls.All(); } }

        /// <summary>Forgets calls, tokens, rate-limit counts, faults and statistics; apps and users stay.</summary>
        public void Reset()
        {
            lock (_gate)
            {
                _calls.Clear();
                _oauth.Reset();
            }
            _limiter.Reset();
            Faults.Clear();
            Statistics.Reset();
        }

        /// <summary>Makes every access token issued so far expire now (as if the platform ended them early).</summary>
        public void ExpireAccessTokens() => _oauth.ExpireAccessTokens();

        /// <summary>Fault: a socket reopened with its wsc token is not recovered (recoveryState Failed); what it missed is lost.</summary>
        public bool RefuseRecovery { get => _gateway.RefuseRecovery; set => _gateway.RefuseRecovery = value; }

        /// <summary>The gateway's sockets open now.</summary>
        public int OpenSockets => _gateway.OpenSockets;

        /// <summary>Fault: drops every open socket, as a network failure would; the clients must reconnect.</summary>
        public void DropSockets() => _gateway.DropSockets();

        /// <summary>Fault: drops every open socket every <paramref name="period"/> of the emulator's clock, until disposed.</summary>
        public IDisposable DropSocketsEvery(TimeSpan period) => _gateway.DropSocketsEvery(period);

        /// <summary>Opens one socket of the WebSocket gateway for the query string of its URI (<c>access_token=…[&amp;wsc=…]</c>).</summary>
        public EmulatedSocket OpenSocket(string query) => _gateway.OpenSocket(query);

        /// <summary>An in-process transport for HttpClient: no sockets, the same behaviour as the loopback server.</summary>
        public HttpMessageHandler CreateHandler() => new EmulatorMessageHandler(this);

        /// <summary>Serves one request. Never throws for anything a client sends.</summary>
        public async Task<EmulatorResponse> HandleAsync(EmulatorRequest request, CancellationToken cancellationToken = default)
        {
            var requestId = Guid.NewGuid().ToString("N").Substring(0, 12) + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            EmulatorResponse response;
            try
            {
                response = await ServeAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (EmulatorError e)
            {
                response = e.Response;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception)
            {
                response = EmulatorResponse.Error(500, "CMN-203", "Internal server error");
            }
            response.Headers["RCRequestId"] = requestId;
            response.Headers["Date"] = Clock.GetUtcNow().ToString("r", CultureInfo.InvariantCulture);
            return response;
        }

        private async Task<EmulatorResponse> ServeAsync(EmulatorRequest req, CancellationToken ct)
        {
            var method = (req.Method ?? "GET").ToUpperInvariant();
            Statistics.Seen(method, req.Path ?? "/");
            var route = Route.Match(req.Path ?? "/");
            if (route == null)
                return EmulatorResponse.Error(404, "CMN-102", $"Resource for parameter [path] is not found: {Truncate(req.Path, 200)}");
            if (!route.Allows(method))
            {
                var r = EmulatorResponse.Error(405, "CMN-101", $"Method {Truncate(method, 20)} is not allowed for [{route.Name}]; allowed: {string.Join(", ", route.Methods)}");
                r.Headers["Allow"] = string.Join(", ", route.Methods);
                return r;
            }

            // RingCentral's group of the operation (the one table, RateGroups); the emulator's own routes are not limited.
            route.Group = route.Name.StartsWith("_emulator", StringComparison.Ordinal) || route.Name == "authorize" ? UsagePlanGroup.None : RateGroups.Of(method, req.Path ?? "/");
            var faults = new RequestFaults(Faults, method, route.Name, Clock);
            if (await faults.ArriveAsync(ct).ConfigureAwait(false) is EmulatorResponse dropped) return dropped;

            Statistics.Served(method, route.Name);
            if (faults.Refusal(Statistics) is EmulatorResponse refused) return refused;

            if (req.BodyTooLarge || (req.Body?.Length ?? 0) > Options.MaxRequestBodyBytes)
                return EmulatorResponse.Error(413, "CMN-104", $"Request body is larger than {Options.MaxRequestBodyBytes} bytes");

            EmulatorResponse response;
            if (route.Group == UsagePlanGroup.None)
            {
                response = route.Name == "authorize" ? _oauth.Authorize(req) : Diagnostics(req, route, method);
            }
            else if (route.Name == "wstoken")
            {
                // An Auth-group endpoint that takes the bearer token, not the app's credentials.
                var session = _oauth.Authenticate(req, faults.Has(FaultKind.ExpireAccessToken), faults.Has(FaultKind.RevokeSession));
                var limited = Limit(session.App.ClientId + "|" + session.User.ExtensionId, route.Group, out var rate);
                if (limited != null) return limited;
                response = _gateway.WsToken(req, session);
                rate.WriteTo(response);
            }
            else if (route.Group == UsagePlanGroup.Auth)
            {
                // RingCentral counts per user and app: the user is the JWT's, or the refresh token's.
                var limited = Limit((OAuthForm.ClientIdOf(req) ?? "anonymous") + "|" + (_oauth.TokenUserOf(req) ?? "anonymous"), route.Group, out var rate);
                if (limited != null) return limited;
                try { response = route.Name == "token" ? _oauth.Token(req) : _oauth.Revoke(req); }
                catch (EmulatorError e) { response = e.Response; }
                rate.WriteTo(response);
            }
            else
            {
                var session = _oauth.Authenticate(req, faults.Has(FaultKind.ExpireAccessToken), faults.Has(FaultKind.RevokeSession));
                var limited = Limit(session.App.ClientId + "|" + session.User.ExtensionId, route.Group, out var rate);
                if (limited != null) return limited;
                try { response = RestApi(req, route, method, session); }
                catch (EmulatorError e) { response = e.Response; }
                rate.WriteTo(response);
            }

            return await faults.AfterActingAsync(response, ct).ConfigureAwait(false);
        }

        // ---------------------------------------------------------------- helpers

        internal static string RandomToken()
        {
            var bytes = new byte[24];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(bytes);
            return Base64Url(bytes);
        }

        internal static string Base64Url(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        internal static string Truncate(string? s, int n) => s == null ? "" : s.Length <= n ? s : s.Substring(0, n) + "…";

    }
}
