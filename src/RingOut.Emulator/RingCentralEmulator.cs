using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
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
    public sealed class RingCentralEmulator
    {
        /// <summary>The base address the module uses for the in-process emulator. The .invalid name never resolves.</summary>
        public static readonly Uri InProcessBaseUri = new Uri("https://emulator.ringout.invalid");

        private static readonly Regex E164 = new Regex(@"^\+?[1-9][0-9]{6,14}$", RegexOptions.CultureInvariant);
        private readonly object _gate = new object();
        private readonly Dictionary<string, EmulatedApp> _apps = new Dictionary<string, EmulatedApp>(StringComparer.Ordinal);
        private readonly List<EmulatedUser> _users = new List<EmulatedUser>();
        private readonly Dictionary<string, OAuthSession> _byAccess = new Dictionary<string, OAuthSession>(StringComparer.Ordinal);
        private readonly Dictionary<string, OAuthSession> _byRefresh = new Dictionary<string, OAuthSession>(StringComparer.Ordinal);
        private readonly Dictionary<string, OAuthSession> _byPreviousRefresh = new Dictionary<string, OAuthSession>(StringComparer.Ordinal);
        private readonly Dictionary<string, (EmulatedApp app, EmulatedUser user, string redirect, string challenge, string method, DateTimeOffset expires)> _codes =
            new Dictionary<string, (EmulatedApp, EmulatedUser, string, string, string, DateTimeOffset)>(StringComparer.Ordinal);
        private readonly Dictionary<long, EmulatedCall> _calls = new Dictionary<long, EmulatedCall>();
        private readonly RateLimiter _limiter = new RateLimiter();
        private long _nextCallId = 2_343_434_340; // beyond Int32, as real ids can be
        private readonly List<string> _issued = new List<string>();
        private long _nextSession;

        public RingCentralEmulator() : this(new EmulatorOptions(), TimeProvider.System) { }

        public RingCentralEmulator(EmulatorOptions options, TimeProvider clock)
        {
            Options = options ?? throw new ArgumentNullException(nameof(options));
            Clock = clock ?? throw new ArgumentNullException(nameof(clock));
            AddApp(new EmulatedApp(DemoAccount.ClientId, DemoAccount.ClientSecret));
            foreach (var u in DemoAccount.Users()) AddUser(u);
        }

        public EmulatorOptions Options { get; }
        public TimeProvider Clock { get; }
        public EmulatorStatistics Statistics { get; } = new EmulatorStatistics();
        public FaultInjector Faults { get; } = new FaultInjector();

        public void AddApp(EmulatedApp app) { lock (_gate) _apps[app.ClientId] = app; }
        public void AddUser(EmulatedUser user) { lock (_gate) _users.Add(user); }

        /// <summary>Every access and refresh token issued so far: for tests that prove no token leaks anywhere.</summary>
        public IReadOnlyList<string> IssuedTokens { get { lock (_gate) return _issued.ToArray(); } }

        /// <summary>The calls made so far, newest last (including those past retention).</summary>
        public IReadOnlyList<EmulatedCall> Calls { get { lock (_gate) return _calls.Values.OrderBy(c => c.Id).ToArray(); } }

        /// <summary>Forgets calls, tokens, rate-limit counts, faults and statistics; apps and users stay.</summary>
        public void Reset()
        {
            lock (_gate)
            {
                _calls.Clear(); _byAccess.Clear(); _byRefresh.Clear(); _byPreviousRefresh.Clear(); _codes.Clear();
            }
            _limiter.Reset();
            Faults.Clear();
            Statistics.Reset();
        }

        /// <summary>Makes every access token issued so far expire now (as if the platform ended them early).</summary>
        public void ExpireAccessTokens() { lock (_gate) foreach (var s in _byAccess.Values) s.AccessForcedExpired = true; }

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

            if (route.Name == "ring-out" && method == "DELETE") route.Group = RateGroup.Heavy;
            var faults = Faults.Match(method, route.Name);
            foreach (var f in faults.Where(f => f.Kind == FaultKind.Latency))
                await Clock.Delay(f.Latency, ct).ConfigureAwait(false);
            if (faults.Any(f => f.Kind == FaultKind.DropBeforeActing))
                return new EmulatorResponse { StatusCode = 0, Connection = ConnectionOutcome.DropBeforeActing };

            Statistics.Served(method, route.Name);
            var status = faults.FirstOrDefault(f => f.Kind == FaultKind.ServerError || f.Kind == FaultKind.TooManyRequests);
            if (status != null)
            {
                var tooMany = status.Kind == FaultKind.TooManyRequests;
                if (tooMany) Statistics.TooManyRequests();
                var resp = tooMany
                    ? EmulatorResponse.Error(429, "CMN-301", "Request rate exceeded")
                    : EmulatorResponse.Error(status.StatusCode, status.StatusCode == 503 ? "CMN-201" : "CMN-203",
                        status.StatusCode == 503 ? "Service Temporarily Unavailable" : "Internal Server Error");
                if (status.RetryAfterSeconds is int ra) resp.Headers["Retry-After"] = ra.ToString();
                return resp;
            }

            if (req.BodyTooLarge || (req.Body?.Length ?? 0) > Options.MaxRequestBodyBytes)
                return EmulatorResponse.Error(413, "CMN-104", $"Request body is larger than {Options.MaxRequestBodyBytes} bytes");

            EmulatorResponse response;
            if (route.Group == RateGroup.None)
            {
                response = route.Name == "authorize" ? Authorize(req) : Diagnostics(req, route, method);
            }
            else if (route.Group == RateGroup.Auth)
            {
                // RingCentral counts per user and app: the user is the JWT's, or the refresh token's.
                var limited = Limit((ClientIdOf(req) ?? "anonymous") + "|" + (TokenUserOf(req) ?? "anonymous"), route.Group, out var rate);
                if (limited != null) return limited;
                try { response = route.Name == "token" ? Token(req) : Revoke(req); }
                catch (EmulatorError e) { response = e.Response; }
                rate.WriteTo(response);
            }
            else
            {
                var session = Authenticate(req, faults.Any(f => f.Kind == FaultKind.ExpireAccessToken), faults.Any(f => f.Kind == FaultKind.RevokeSession));
                var limited = Limit(session.App.ClientId + "|" + session.User.ExtensionId, route.Group, out var rate);
                if (limited != null) return limited;
                try { response = RestApi(req, route, method, session); }
                catch (EmulatorError e) { response = e.Response; }
                rate.WriteTo(response);
            }

            foreach (var f in faults.Where(f => f.Kind == FaultKind.ActThenLatency))
                await Clock.Delay(f.Latency, ct).ConfigureAwait(false);
            var gateway = faults.FirstOrDefault(f => f.Kind == FaultKind.ActThenError);
            if (gateway != null)
                return new EmulatorResponse
                {
                    StatusCode = gateway.StatusCode == 503 ? 504 : gateway.StatusCode, // a gateway's timeout unless told otherwise
                    ContentType = "text/html",
                    Body = Encoding.UTF8.GetBytes($"<html><body><h1>{(gateway.StatusCode == 503 ? 504 : gateway.StatusCode)} Gateway Error</h1></body></html>"),
                };
            if (faults.Any(f => f.Kind == FaultKind.DropAfterActing))
                return new EmulatorResponse { StatusCode = 0, Connection = ConnectionOutcome.DropAfterActing };
            if (faults.Any(f => f.Kind == FaultKind.TruncatedBody))
                response.Body = response.Body.Take(response.Body.Length / 2).ToArray();
            if (faults.Any(f => f.Kind == FaultKind.MalformedBody))
                response.Body = Encoding.UTF8.GetBytes("<html><body>502 Bad Gateway</body></html>");
            return response;
        }

        /// <summary>Counts a request against its group; returns the 429 to send when it is over the limit.</summary>
        private EmulatorResponse Limit(string key, RateGroup group, out RateInfo info)
        {
            var (limit, remaining, window, retryAfter) = _limiter.Take(key + "|" + group, group, Options.RateLimits, Clock.GetUtcNow());
            info = new RateInfo(group, limit, remaining, window);
            if (retryAfter == null) return null;
            Statistics.TooManyRequests();
            var r = EmulatorResponse.Error(429, "CMN-301", "Request rate exceeded");
            r.Headers["Retry-After"] = retryAfter.Value.ToString();
            info.WriteTo(r);
            return r;
        }

        private readonly struct RateInfo
        {
            private readonly RateGroup _group;
            private readonly int _limit, _remaining, _window;
            public RateInfo(RateGroup group, int limit, int remaining, int window) { _group = group; _limit = limit; _remaining = remaining; _window = window; }

            public void WriteTo(EmulatorResponse r)
            {
                r.Headers["X-Rate-Limit-Group"] = _group.ToString().ToLowerInvariant();
                r.Headers["X-Rate-Limit-Limit"] = _limit.ToString();
                r.Headers["X-Rate-Limit-Remaining"] = _remaining.ToString();
                r.Headers["X-Rate-Limit-Window"] = _window.ToString();
            }
        }

        // ---------------------------------------------------------------- OAuth

        private static string ClientIdOf(EmulatorRequest req)
        {
            var basic = BasicCredentials(req);
            if (basic != null) return basic.Value.id;
            var form = Form.Parse(Encoding.UTF8.GetString(req.Body ?? new byte[0]));
            return form.TryGetValue("client_id", out var id) ? id : null;
        }

        /// <summary>The extension a token request is for: the JWT's user, or the refresh token's session's (null when unknown).</summary>
        private string TokenUserOf(EmulatorRequest req)
        {
            var form = Form.Parse(Encoding.UTF8.GetString(req.Body ?? new byte[0]));
            lock (_gate)
            {
                if (form.TryGetValue("assertion", out var jwt))
                    return _users.FirstOrDefault(u => u.Jwt != null && FixedTimeEquals(u.Jwt, jwt))?.ExtensionId;
                if (form.TryGetValue("refresh_token", out var rt) && (_byRefresh.TryGetValue(rt, out var s) || _byPreviousRefresh.TryGetValue(rt, out s)))
                    return s.User.ExtensionId;
            }
            return null;
        }

        private static (string id, string secret)? BasicCredentials(EmulatorRequest req)
        {
            var h = req.Header("Authorization");
            if (h == null || !h.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
            try
            {
                var text = Encoding.UTF8.GetString(Convert.FromBase64String(h.Substring(6).Trim()));
                var i = text.IndexOf(':');
                return i < 0 ? (text, "") : (text.Substring(0, i), text.Substring(i + 1));
            }
            catch (FormatException) { return null; }
        }

        private EmulatedApp AuthenticateClient(EmulatorRequest req, Dictionary<string, string> form, bool allowPublic)
        {
            var basic = BasicCredentials(req);
            lock (_gate)
            {
                if (basic != null)
                {
                    if (_apps.TryGetValue(basic.Value.id, out var app) && FixedTimeEquals(app.ClientSecret, basic.Value.secret)) return app;
                    throw EmulatorError.OAuth(401, "invalid_client", "OAU-123", "Invalid client credentials");
                }
                if (allowPublic && form.TryGetValue("client_id", out var id) && _apps.TryGetValue(id, out var pub)) return pub;
            }
            throw EmulatorError.OAuth(401, "invalid_client", "OAU-123", "Client authentication is required");
        }

        private static bool FixedTimeEquals(string a, string b)
        {
            var x = Encoding.UTF8.GetBytes(a ?? ""); var y = Encoding.UTF8.GetBytes(b ?? "");
            var diff = x.Length ^ y.Length;
            for (var i = 0; i < Math.Min(x.Length, y.Length); i++) diff |= x[i] ^ y[i];
            return diff == 0;
        }

        private static Dictionary<string, string> FormBody(EmulatorRequest req)
        {
            var ct = req.Header("Content-Type") ?? "";
            if (!ct.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
                throw EmulatorError.OAuth(415, "invalid_request", "OAU-101", "Content-Type must be application/x-www-form-urlencoded");
            return Form.Parse(Encoding.UTF8.GetString(req.Body ?? new byte[0]));
        }

        private EmulatorResponse Token(EmulatorRequest req)
        {
            var form = FormBody(req);
            form.TryGetValue("grant_type", out var grant);
            var app = AuthenticateClient(req, form, allowPublic: grant == "authorization_code" || grant == "refresh_token");
            if (grant == "refresh_token" && !app.IsPublic && BasicCredentials(req) == null)
                throw EmulatorError.OAuth(401, "invalid_client", "OAU-123", "Client authentication is required");
            TimeSpan? ttl = null;
            if (form.TryGetValue("access_token_ttl", out var ttlText) && int.TryParse(ttlText, out var s))
                ttl = TimeSpan.FromSeconds(Math.Max(600, Math.Min(3600, s)));
            switch (grant)
            {
                case "urn:ietf:params:oauth:grant-type:jwt-bearer":
                {
                    form.TryGetValue("assertion", out var jwt);
                    EmulatedUser user;
                    lock (_gate) user = _users.FirstOrDefault(u => u.Jwt != null && FixedTimeEquals(u.Jwt, jwt));
                    if (string.IsNullOrEmpty(jwt) || user == null)
                        throw EmulatorError.OAuth(400, "invalid_grant", "OAU-140", "Invalid JWT assertion: unknown or malformed credential");
                    return TokenResponse(NewSession(app, user, ttl));
                }
                case "refresh_token":
                {
                    form.TryGetValue("refresh_token", out var rt);
                    lock (_gate)
                    {
                        var now = Clock.GetUtcNow();
                        // RingCentral's grace: a used refresh token is accepted again for a while, with the same new tokens.
                        if (!string.IsNullOrEmpty(rt) && _byPreviousRefresh.TryGetValue(rt, out var renewed) && !renewed.Revoked && renewed.App == app &&
                            renewed.PreviousRefreshToken == rt && now < GraceEnd(renewed))
                            return TokenResponse(renewed);
                        if (string.IsNullOrEmpty(rt) || !_byRefresh.TryGetValue(rt, out var session) || session.Revoked || session.App != app)
                            throw EmulatorError.OAuth(400, "invalid_grant", "OAU-211", "Token not found: the refresh token is unknown, used already, or revoked");
                        if (now >= session.RefreshExpires)
                            throw EmulatorError.OAuth(400, "invalid_grant", "OAU-212", "Refresh token has expired");
                        // Single use: the old access token dies now, and the old refresh token lives on only for the grace.
                        _byRefresh.Remove(session.RefreshToken);
                        _byAccess.Remove(session.AccessToken);
                        if (session.PreviousRefreshToken != null) _byPreviousRefresh.Remove(session.PreviousRefreshToken);
                        session.PreviousRefreshToken = session.RefreshToken;
                        _byPreviousRefresh[session.RefreshToken] = session;
                        Issue(session, ttl);
                        session.RefreshedAt = now;
                        return TokenResponse(session);
                    }
                }
                case "authorization_code":
                {
                    form.TryGetValue("code", out var code);
                    form.TryGetValue("redirect_uri", out var redirect);
                    form.TryGetValue("code_verifier", out var verifier);
                    (EmulatedApp app, EmulatedUser user, string redirect, string challenge, string method, DateTimeOffset expires) grantInfo;
                    lock (_gate)
                    {
                        if (code == null || !_codes.TryGetValue(code, out grantInfo))
                            throw EmulatorError.OAuth(400, "invalid_grant", "OAU-109", "Authorization code is invalid or used");
                        _codes.Remove(code);
                    }
                    if (grantInfo.app != app || Clock.GetUtcNow() > grantInfo.expires || grantInfo.redirect != redirect)
                        throw EmulatorError.OAuth(400, "invalid_grant", "OAU-109", "Authorization code is invalid, expired, or was issued for another client or redirect_uri");
                    if (grantInfo.challenge != null)
                    {
                        var expected = grantInfo.method == "S256" ? Base64Url(Sha256(verifier ?? "")) : verifier;
                        if (verifier == null || expected != grantInfo.challenge)
                            throw EmulatorError.OAuth(400, "invalid_grant", "OAU-109", "code_verifier does not match code_challenge");
                    }
                    return TokenResponse(NewSession(app, grantInfo.user, ttl));
                }
                case null:
                case "":
                    throw EmulatorError.OAuth(400, "invalid_request", "OAU-101", "Parameter [grant_type] is missing");
                default:
                    throw EmulatorError.OAuth(400, "unsupported_grant_type", "OAU-250", $"Unsupported grant type: {Truncate(grant, 80)}");
            }
        }

        /// <summary>The end of the grace of a session's previous refresh token.</summary>
        private DateTimeOffset GraceEnd(OAuthSession s)
        {
            if (Options.RefreshTokenReuseGrace <= TimeSpan.Zero) return DateTimeOffset.MinValue;
            var unused = s.RefreshedAt + Options.RefreshTokenUnusedGrace;
            return s.AccessFirstUsed is DateTimeOffset used && used + Options.RefreshTokenReuseGrace < unused ? used + Options.RefreshTokenReuseGrace : unused;
        }

        private EmulatorResponse Authorize(EmulatorRequest req)
        {
            var q = Form.Parse(req.Query);
            q.TryGetValue("client_id", out var clientId);
            q.TryGetValue("redirect_uri", out var redirect);
            EmulatedApp app; EmulatedUser user;
            lock (_gate)
            {
                if (clientId == null || !_apps.TryGetValue(clientId, out app))
                    return EmulatorResponse.OAuthError(400, "invalid_client", "OAU-123", "Unknown client_id");
                q.TryGetValue("login_hint", out var hint);
                user = _users.FirstOrDefault(u => u.ExtensionId == hint) ?? _users[0];
            }
            if (q.TryGetValue("response_type", out var rt) && rt != "code")
                return EmulatorResponse.OAuthError(400, "unsupported_response_type", "OAU-101", "response_type must be code");
            if (redirect != app.RedirectUri)
                return EmulatorResponse.OAuthError(400, "invalid_request", "OAU-101", "redirect_uri does not match the app's registered address");
            q.TryGetValue("code_challenge", out var challenge);
            var method = q.TryGetValue("code_challenge_method", out var m) ? m : "plain";
            var code = "RCEMU-CODE-" + RandomToken();
            lock (_gate) _codes[code] = (app, user, redirect, challenge, method, Clock.GetUtcNow().AddMinutes(1));
            var location = redirect + (redirect.Contains("?") ? "&" : "?") + "code=" + Uri.EscapeDataString(code) +
                           (q.TryGetValue("state", out var state) ? "&state=" + Uri.EscapeDataString(state) : "");
            var r = EmulatorResponse.Empty(302);
            r.Headers["Location"] = location;
            return r;
        }

        private EmulatorResponse Revoke(EmulatorRequest req)
        {
            var form = FormBody(req);
            AuthenticateClient(req, form, allowPublic: true);
            if (!form.TryGetValue("token", out var token)) Form.Parse(req.Query).TryGetValue("token", out token);
            if (string.IsNullOrEmpty(token))
                return EmulatorResponse.OAuthError(400, "invalid_request", "OAU-101", "Parameter [token] is missing");
            lock (_gate)
            {
                if (_byAccess.TryGetValue(token, out var s) || _byRefresh.TryGetValue(token, out s))
                {
                    // Revoking either token ends the whole OAuth session.
                    s.Revoked = true;
                    _byAccess.Remove(s.AccessToken);
                    _byRefresh.Remove(s.RefreshToken);
                    if (s.PreviousRefreshToken != null) _byPreviousRefresh.Remove(s.PreviousRefreshToken);
                }
            }
            return EmulatorResponse.Empty(200);
        }

        private OAuthSession NewSession(EmulatedApp app, EmulatedUser user, TimeSpan? ttl)
        {
            var s = new OAuthSession { Id = "s-" + Interlocked.Increment(ref _nextSession), App = app, User = user };
            lock (_gate) Issue(s, ttl);
            return s;
        }

        private void Issue(OAuthSession s, TimeSpan? ttl)
        {
            var now = Clock.GetUtcNow();
            s.AccessToken = "RCEMU-AT-" + RandomToken();
            s.RefreshToken = "RCEMU-RT-" + RandomToken();
            s.AccessExpires = now + (ttl ?? Options.AccessTokenLifetime);
            s.RefreshExpires = now + Options.RefreshTokenLifetime;
            s.AccessForcedExpired = false;
            s.AccessFirstUsed = null;
            _byAccess[s.AccessToken] = s;
            _byRefresh[s.RefreshToken] = s;
            _issued.Add(s.AccessToken);
            _issued.Add(s.RefreshToken);
        }

        private EmulatorResponse TokenResponse(OAuthSession s)
        {
            var now = Clock.GetUtcNow();
            return EmulatorResponse.Json(200, new JsonObject
            {
                ["access_token"] = s.AccessToken,
                ["token_type"] = "bearer",
                ["expires_in"] = (long)Math.Round((s.AccessExpires - now).TotalSeconds),
                ["refresh_token"] = s.RefreshToken,
                ["refresh_token_expires_in"] = (long)Math.Round((s.RefreshExpires - now).TotalSeconds),
                ["scope"] = "ReadAccounts RingOut CallControl",
                ["owner_id"] = s.User.ExtensionId,
                ["endpoint_id"] = "emu-" + s.Id,
                ["session_id"] = s.Id,
            });
        }

        private OAuthSession Authenticate(EmulatorRequest req, bool forceExpired, bool revoke)
        {
            var h = req.Header("Authorization");
            if (string.IsNullOrEmpty(h))
                throw EmulatorError.Rest(401, "OAU-123", "Authorization header is not specified");
            if (!h.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || h.Length <= 7)
                throw EmulatorError.Rest(401, "OAU-134", "Invalid Authorization header: expected 'Bearer <access token>'");
            var token = h.Substring(7).Trim();
            if (!token.StartsWith("RCEMU-AT-", StringComparison.Ordinal))
                throw EmulatorError.Rest(401, "OAU-149", "Access token cannot be parsed");
            lock (_gate)
            {
                if (_byAccess.TryGetValue(token, out var live) && revoke)
                {
                    live.Revoked = true;
                    _byAccess.Remove(live.AccessToken);
                    _byRefresh.Remove(live.RefreshToken);
                }
                if (!_byAccess.TryGetValue(token, out var s) || s.Revoked)
                    throw EmulatorError.Rest(401, "OAU-129", "Access token is invalid: revoked, replaced by a refresh, or unknown");
                if (forceExpired) s.AccessForcedExpired = true;
                if (s.AccessForcedExpired || Clock.GetUtcNow() >= s.AccessExpires)
                    throw EmulatorError.Rest(401, "OAU-128", "Access token expired");
                if (s.AccessFirstUsed == null) s.AccessFirstUsed = Clock.GetUtcNow();
                return s;
            }
        }

        // ---------------------------------------------------------------- REST

        private EmulatorResponse RestApi(EmulatorRequest req, Route route, string method, OAuthSession session)
        {
            var user = ResolveExtension(route, session);
            switch (route.Name)
            {
                case "extension": return Extension(req, user);
                case "forwarding-number": return ForwardingNumbers(req, route, user);
                case "phone-number": return PhoneNumbers(req, route, user);
                case "ring-out":
                    if (route.CallId == null) return CreateRingOut(req, route, user);
                    return method == "GET" ? GetRingOut(req, route, user) : DeleteRingOut(route, user);
                default: return EmulatorResponse.Error(404, "CMN-102", "Resource not found");
            }
        }

        private EmulatedUser ResolveExtension(Route route, OAuthSession session)
        {
            var me = session.User;
            if (route.AccountId != "~" && route.AccountId != me.AccountId)
                throw EmulatorError.Rest(403, "CMN-401", $"The token's account does not have access to account [{Truncate(route.AccountId, 40)}]");
            if (route.ExtensionId == null || route.ExtensionId == "~" || route.ExtensionId == me.ExtensionId) return me;
            if (!me.IsAdmin)
                throw EmulatorError.Rest(403, "CMN-408", "In order to call this API endpoint for another extension, user needs to have the admin role");
            lock (_gate)
                return _users.FirstOrDefault(u => u.AccountId == me.AccountId && u.ExtensionId == route.ExtensionId)
                       ?? throw EmulatorError.Rest(404, "CMN-102", $"Resource for parameter [extensionId] is not found", "extensionId");
        }

        private static string ExtensionUri(EmulatorRequest req, EmulatedUser u) =>
            $"{req.BaseUri}/restapi/v1.0/account/{u.AccountId}/extension/{u.ExtensionId}";

        private EmulatorResponse Extension(EmulatorRequest req, EmulatedUser u) =>
            EmulatorResponse.Json(200, new JsonObject
            {
                ["uri"] = ExtensionUri(req, u),
                ["id"] = long.Parse(u.ExtensionId),
                ["extensionNumber"] = u.ExtensionNumber,
                ["name"] = u.Name,
                ["type"] = "User",
                ["status"] = "Enabled",
                ["account"] = new JsonObject { ["id"] = u.AccountId, ["uri"] = $"{req.BaseUri}/restapi/v1.0/account/{u.AccountId}" },
                ["permissions"] = new JsonObject { ["admin"] = new JsonObject { ["enabled"] = u.IsAdmin } },
                ["regionalSettings"] = new JsonObject { ["homeCountry"] = new JsonObject { ["id"] = u.HomeCountry == "US" ? "1" : "0", ["isoCode"] = u.HomeCountry } },
            });

        private static (int page, int perPage) Paging(EmulatorRequest req)
        {
            var q = Form.Parse(req.Query);
            int page = 1, perPage = 100;
            if (q.TryGetValue("page", out var p) && (!int.TryParse(p, out page) || page < 1))
                throw EmulatorError.Rest(400, "CMN-101", "Parameter [page] value is invalid", "page");
            if (q.TryGetValue("perPage", out var pp) && (!int.TryParse(pp, out perPage) || perPage < 1 || perPage > 1000))
                throw EmulatorError.Rest(400, "CMN-101", "Parameter [perPage] value is invalid", "perPage");
            return (page, perPage);
        }

        private static EmulatorResponse Paged<T>(EmulatorRequest req, string listUri, IList<T> all, Func<T, JsonNode> record)
        {
            var (page, perPage) = Paging(req);
            var total = all.Count;
            var totalPages = Math.Max(1, (total + perPage - 1) / perPage);
            var records = new JsonArray(all.Skip((page - 1) * perPage).Take(perPage).Select(record).ToArray());
            JsonObject Nav(int p) => new JsonObject { ["uri"] = $"{listUri}?page={p}&perPage={perPage}" };
            var navigation = new JsonObject { ["firstPage"] = Nav(1), ["lastPage"] = Nav(totalPages) };
            if (page < totalPages) navigation["nextPage"] = Nav(page + 1);
            if (page > 1) navigation["previousPage"] = Nav(Math.Min(page - 1, totalPages));
            var paging = new JsonObject { ["page"] = page, ["totalPages"] = totalPages, ["perPage"] = perPage, ["totalElements"] = total };
            if (records.Count > 0)
            {
                paging["pageStart"] = (page - 1) * perPage;
                paging["pageEnd"] = (page - 1) * perPage + records.Count - 1;
            }
            return EmulatorResponse.Json(200, new JsonObject
            {
                ["uri"] = $"{listUri}?page={page}&perPage={perPage}",
                ["records"] = records,
                ["paging"] = paging,
                ["navigation"] = navigation,
            });
        }

        private EmulatorResponse ForwardingNumbers(EmulatorRequest req, Route route, EmulatedUser u)
        {
            var listUri = ExtensionUri(req, u) + "/forwarding-number";
            return Paged(req, listUri, u.ForwardingNumbers, f => new JsonObject
            {
                ["id"] = f.Id,
                ["uri"] = listUri + "/" + f.Id,
                ["phoneNumber"] = f.PhoneNumber,
                ["label"] = f.Label,
                ["type"] = f.Type,
                ["features"] = new JsonArray("CallFlip", "CallForwarding"),
            });
        }

        private EmulatorResponse PhoneNumbers(EmulatorRequest req, Route route, EmulatedUser u)
        {
            var listUri = ExtensionUri(req, u) + "/phone-number";
            return Paged(req, listUri, u.PhoneNumbers, n =>
            {
                var features = new JsonArray("SmsSender");
                if (n.CallerId) features.Add("CallerId");
                return new JsonObject
                {
                    ["id"] = n.Id,
                    ["phoneNumber"] = n.PhoneNumber,
                    ["usageType"] = n.UsageType,
                    ["type"] = "VoiceFax",
                    ["paymentType"] = "Local",
                    ["status"] = "Normal",
                    ["primary"] = n.Primary,
                    ["features"] = features,
                };
            });
        }

        private EmulatorResponse CreateRingOut(EmulatorRequest req, Route route, EmulatedUser user)
        {
            var ct = req.Header("Content-Type") ?? "";
            if (!ct.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
                return EmulatorResponse.Error(415, "CMN-104", "Unsupported Content-Type: send application/json");
            JsonNode root;
            try
            {
                root = JsonNode.Parse(req.Body, documentOptions: new JsonDocumentOptions { MaxDepth = 32 });
            }
            catch (Exception e) when (e is JsonException || e is ArgumentException || e is InvalidOperationException)
            {
                return EmulatorResponse.Error(400, "CMN-103", "Cannot parse the request body as JSON");
            }
            if (!(root is JsonObject body))
                return EmulatorResponse.Error(400, "CMN-104", "The request body must be a JSON object");

            var to = PhoneField(body, "to", required: true);
            string from;
            var fromNode = body["from"];
            if (fromNode == null)
            {
                from = user.ForwardingNumbers.FirstOrDefault()?.PhoneNumber
                       ?? throw EmulatorError.Rest(400, "CMN-101", "Parameter [from] is required: the extension has no default forwarding number", "from");
            }
            else if (fromNode is JsonObject fo && fo["forwardingNumberId"] != null)
            {
                var id = StringValue(fo["forwardingNumberId"]);
                from = user.ForwardingNumbers.FirstOrDefault(f => f.Id == id)?.PhoneNumber
                       ?? throw EmulatorError.Rest(400, "CMN-101", "Parameter [from.forwardingNumberId] value is invalid: no such forwarding number", "from.forwardingNumberId");
            }
            else
            {
                from = PhoneField(body, "from", required: true);
            }
            if (body["callerId"] != null)
            {
                var callerId = PhoneField(body, "callerId", required: true);
                if (!user.PhoneNumbers.Any(n => n.CallerId && n.PhoneNumber == ScenarioNumbers.Canonical(callerId)))
                    throw EmulatorError.Rest(400, "CMN-101", "Parameter [callerId.phoneNumber] value is invalid: not one of the extension's caller ID numbers", "callerId.phoneNumber");
            }
            var playPrompt = false;
            if (body["playPrompt"] != null)
            {
                if (body["playPrompt"] is JsonValue pv && pv.TryGetValue<bool>(out var b)) playPrompt = b;
                else throw EmulatorError.Rest(400, "CMN-101", "Parameter [playPrompt] value is invalid", "playPrompt");
            }
            if (body["country"] != null && !(body["country"] is JsonObject))
                throw EmulatorError.Rest(400, "CMN-101", "Parameter [country] value is invalid", "country");

            EmulatedCall call;
            lock (_gate)
            {
                call = new EmulatedCall(_nextCallId++, user, ScenarioNumbers.Canonical(from), ScenarioNumbers.Canonical(to), playPrompt, Clock.GetUtcNow(), Options);
                _calls[call.Id] = call;
            }
            Statistics.CallCreated();
            return CallResponse(req, call, call.StateAt(call.CreatedAt));
        }

        private static string StringValue(JsonNode node)
        {
            if (node is JsonValue v)
            {
                if (v.TryGetValue<string>(out var s)) return s;
                if (v.TryGetValue<long>(out var l)) return l.ToString();
            }
            return null;
        }

        private static string PhoneField(JsonObject body, string name, bool required)
        {
            var node = body[name];
            if (node == null)
            {
                if (!required) return null;
                throw EmulatorError.Rest(400, "CMN-101", $"Parameter [{name}.phoneNumber] is required", name + ".phoneNumber");
            }
            if (!(node is JsonObject obj))
                throw EmulatorError.Rest(400, "CMN-101", $"Parameter [{name}] value is invalid: expected an object with phoneNumber", name);
            var number = obj["phoneNumber"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            if (string.IsNullOrWhiteSpace(number))
                throw EmulatorError.Rest(400, "CMN-101", $"Parameter [{name}.phoneNumber] value is empty or missing", name + ".phoneNumber");
            if (!E164.IsMatch(number))
                throw EmulatorError.Rest(400, "CMN-101", $"Parameter [{name}.phoneNumber] value is invalid: not an E.164 number", name + ".phoneNumber");
            return number;
        }

        private EmulatedCall FindCall(Route route, EmulatedUser user, DateTimeOffset now)
        {
            EmulatedCall call = null;
            if (long.TryParse(route.CallId, out var id))
                lock (_gate) _calls.TryGetValue(id, out call);
            if (call == null || call.Owner != user || call.StateAt(now).Gone)
                throw EmulatorError.Rest(404, "CMN-102", $"Resource for parameter [ringoutId] is not found", "ringoutId");
            return call;
        }

        private EmulatorResponse GetRingOut(EmulatorRequest req, Route route, EmulatedUser user)
        {
            var now = Clock.GetUtcNow();
            var call = FindCall(route, user, now);
            return CallResponse(req, call, call.StateAt(now));
        }

        private EmulatorResponse DeleteRingOut(Route route, EmulatedUser user)
        {
            var now = Clock.GetUtcNow();
            EmulatedCall call;
            lock (_gate)
            {
                call = FindCall(route, user, now);
                if (call.TryCancel(now)) return EmulatorResponse.Empty(204);
            }
            var state = call.StateAt(now);
            var why = call.CancelledAt != null ? "it was cancelled already"
                : state.CalleeStatus == "Success" || state.CallStatus == "Success" ? "the called party has answered; use Call Control to end a connected call"
                : "it is over";
            return EmulatorResponse.Error(400, "RON-101", $"RingOut {call.Id} cannot be cancelled: {why}. A RingOut can be cancelled only while the called party is still being rung.");
        }

        private static EmulatorResponse CallResponse(EmulatorRequest req, EmulatedCall call, CallState state) =>
            EmulatorResponse.Json(200, new JsonObject
            {
                ["id"] = call.Id, // a JSON number, as the real server sends
                ["uri"] = $"{ExtensionUri(req, call.Owner)}/ringout/{call.Id}", // the legacy segment, as the real server sends
                ["status"] = new JsonObject
                {
                    ["callStatus"] = state.CallStatus,
                    ["callerStatus"] = state.CallerStatus,
                    ["calleeStatus"] = state.CalleeStatus,
                },
            });

        // ---------------------------------------------------------------- diagnostics (outside RingCentral's namespace)

        private EmulatorResponse Diagnostics(EmulatorRequest req, Route route, string method)
        {
            var q = Form.Parse(req.Query);
            switch (route.Name)
            {
                case "_emulator/stats":
                    return EmulatorResponse.Json(200, new JsonObject
                    {
                        ["totalRequests"] = Statistics.TotalRequests,
                        ["callsCreated"] = Statistics.CallsCreated,
                        ["tooManyRequests"] = Statistics.TooManyRequestsSent,
                        ["byRoute"] = new JsonObject(Statistics.ByRoute.Select(p => new KeyValuePair<string, JsonNode>(p.Key, p.Value))),
                    });
                case "_emulator/clock":
                    if (!(Clock is VirtualClock vc))
                        return EmulatorResponse.Error(409, "EMU-001", "The emulator runs on the real clock; start it with --virtual-clock to move time by hand");
                    if (method == "POST")
                    {
                        if (!q.TryGetValue("seconds", out var sec) || !double.TryParse(sec, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || seconds < 0 || seconds > 1e7)
                            return EmulatorResponse.Error(400, "CMN-101", "Parameter [seconds] value is invalid", "seconds");
                        vc.Advance(TimeSpan.FromSeconds(seconds));
                    }
                    return EmulatorResponse.Json(200, new JsonObject { ["now"] = vc.GetUtcNow().ToString("o") });
                case "_emulator/reset":
                    Reset();
                    if (q.TryGetValue("rateLimits", out var rl)) Options.RateLimits.Enabled = rl != "off" && rl != "false";
                    return EmulatorResponse.Empty(204);
                case "_emulator/faults":
                    if (method == "DELETE") { Faults.Clear(); return EmulatorResponse.Empty(204); }
                    if (!q.TryGetValue("kind", out var k) || !Enum.TryParse<FaultKind>(k, true, out var kind))
                        return EmulatorResponse.Error(400, "CMN-101", "Parameter [kind] value is invalid", "kind");
                    q.TryGetValue("method", out var fm);
                    q.TryGetValue("route", out var fr);
                    var times = q.TryGetValue("times", out var t) && int.TryParse(t, out var n) ? n : 1;
                    var rule = Faults.Add(kind, string.IsNullOrEmpty(fm) ? null : fm, string.IsNullOrEmpty(fr) ? null : fr, times);
                    if (q.TryGetValue("status", out var st) && int.TryParse(st, out var code)) rule.StatusCode = code;
                    if (q.TryGetValue("retryAfter", out var ra)) rule.RetryAfterSeconds = int.TryParse(ra, out var ras) ? ras : (int?)null;
                    if (q.TryGetValue("latency", out var lat) && double.TryParse(lat, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ls)) rule.Latency = TimeSpan.FromSeconds(ls);
                    return EmulatorResponse.Json(201, new JsonObject { ["rule"] = rule.ToString() });
                default:
                    return EmulatorResponse.Error(404, "CMN-102", "Resource not found");
            }
        }

        // ---------------------------------------------------------------- helpers

        private static string RandomToken()
        {
            var bytes = new byte[24];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(bytes);
            return Base64Url(bytes);
        }

        private static byte[] Sha256(string s) { using (var h = SHA256.Create()) return h.ComputeHash(Encoding.ASCII.GetBytes(s)); }

        internal static string Base64Url(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        private static string Truncate(string s, int n) => s == null ? "" : s.Length <= n ? s : s.Substring(0, n) + "…";

        /// <summary>The emulator's routes, by RingCentral's paths.</summary>
        private sealed class Route
        {
            public string Name;
            public RateGroup Group;
            public string[] Methods;
            public string AccountId, ExtensionId, CallId;

            public bool Allows(string method) => Methods.Contains(method);

            public static Route Match(string path)
            {
                var s = path.Trim('/').Split('/');
                if (s.Length == 3 && s[0] == "restapi" && s[1] == "oauth")
                {
                    switch (s[2])
                    {
                        case "token": return new Route { Name = "token", Group = RateGroup.Auth, Methods = new[] { "POST" } };
                        case "revoke": return new Route { Name = "revoke", Group = RateGroup.Auth, Methods = new[] { "POST" } };
                        case "authorize": return new Route { Name = "authorize", Group = RateGroup.None, Methods = new[] { "GET" } };
                    }
                    return null;
                }
                if (s.Length == 2 && s[0] == "_emulator")
                {
                    switch (s[1])
                    {
                        case "stats": return new Route { Name = "_emulator/stats", Methods = new[] { "GET" } };
                        case "clock": return new Route { Name = "_emulator/clock", Methods = new[] { "GET", "POST" } };
                        case "faults": return new Route { Name = "_emulator/faults", Methods = new[] { "POST", "DELETE" } };
                        case "reset": return new Route { Name = "_emulator/reset", Methods = new[] { "POST" } };
                    }
                    return null;
                }
                // restapi/v1.0/account/{a}/extension/{e}[/…]
                if (s.Length < 6 || s[0] != "restapi" || s[1] != "v1.0" || s[2] != "account" || s[4] != "extension") return null;
                var r = new Route { AccountId = Uri.UnescapeDataString(s[3]), ExtensionId = Uri.UnescapeDataString(s[5]) };
                if (s.Length == 6) { r.Name = "extension"; r.Group = RateGroup.Light; r.Methods = new[] { "GET" }; return r; }
                switch (s[6])
                {
                    case "ring-out":
                    case "ringout":
                        r.Name = "ring-out";
                        if (s.Length == 7) { r.Group = RateGroup.Heavy; r.Methods = new[] { "POST" }; return r; }
                        if (s.Length == 8)
                        {
                            r.CallId = Uri.UnescapeDataString(s[7]);
                            r.Group = RateGroup.Light; // DELETE is Heavy: set once the method is known
                            r.Methods = new[] { "GET", "DELETE" };
                            return r;
                        }
                        return null;
                    case "forwarding-number" when s.Length == 7:
                        r.Name = "forwarding-number"; r.Group = RateGroup.Light; r.Methods = new[] { "GET" }; return r;
                    case "phone-number" when s.Length == 7:
                        r.Name = "phone-number"; r.Group = RateGroup.Light; r.Methods = new[] { "GET" }; return r;
                }
                return null;
            }
        }
    }
}
