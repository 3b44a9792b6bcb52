using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;

namespace RingOut.Emulator
{
    /// <summary>
    /// RingCentral's OAuth server: the apps and users it knows, the endpoints token (JWT, refresh with its grace, auth
    /// code with PKCE), authorize and revoke, and the sessions they issue, which every other request is authenticated
    /// by. It shares the emulator's lock.
    /// </summary>
    internal sealed class OAuthServer
    {
        private readonly object _gate;
        private readonly Dictionary<string, EmulatedApp> _apps = new Dictionary<string, EmulatedApp>(StringComparer.Ordinal);
        private readonly List<EmulatedUser> _users = new List<EmulatedUser>();
        private readonly Dictionary<string, OAuthSession> _byAccess = new Dictionary<string, OAuthSession>(StringComparer.Ordinal);
        private readonly Dictionary<string, OAuthSession> _byRefresh = new Dictionary<string, OAuthSession>(StringComparer.Ordinal);
        private readonly Dictionary<string, OAuthSession> _byPreviousRefresh = new Dictionary<string, OAuthSession>(StringComparer.Ordinal);
        // Every OAuth session not revoked, oldest first: the parallel-session limit revokes from the front.
        private readonly List<OAuthSession> _liveSessions = new List<OAuthSession>();
        private readonly Dictionary<string, (EmulatedApp app, EmulatedUser user, string redirect, string challenge, string method, DateTimeOffset expires)> _codes =
            new Dictionary<string, (EmulatedApp, EmulatedUser, string, string, string, DateTimeOffset)>(StringComparer.Ordinal);
        private readonly List<string> _issued = new List<string>();
        private long _nextSession;

        public OAuthServer(object gate, EmulatorOptions options, TimeProvider clock, EmulatorStatistics statistics)
        {
            _gate = gate;
            Options = options;
            Clock = clock;
            Statistics = statistics;
        }

        private EmulatorOptions Options { get; }
        private TimeProvider Clock { get; }
        private EmulatorStatistics Statistics { get; }

        public void AddApp(EmulatedApp app) { lock (_gate) _apps[app.ClientId] = app; }
        public void AddUser(EmulatedUser user) { lock (_gate) _users.Add(user); }

        /// <summary>Another user of <paramref name="accountId"/>, by extension id (under the lock).</summary>
        public EmulatedUser? FindUser(string? accountId, string? extensionId) =>
            _users.FirstOrDefault(u => u.AccountId == accountId && u.ExtensionId == extensionId);

        /// <summary>Every access and refresh token issued so far.</summary>
        public IReadOnlyList<string> IssuedTokens { get { lock (_gate) return _issued.ToArray(); } }

        /// <summary>Forgets every session and code (under the lock); apps and users stay.</summary>
        public void Reset() { _byAccess.Clear(); _byRefresh.Clear(); _byPreviousRefresh.Clear(); _codes.Clear(); _liveSessions.Clear(); }

        /// <summary>Makes every access token issued so far expire now.</summary>
        public void ExpireAccessTokens() { lock (_gate) foreach (var s in _byAccess.Values) s.AccessForcedExpired = true; }

        /// <summary>The extension a token request is for: the JWT's user, or the refresh token's session's (null when unknown).</summary>
        public string? TokenUserOf(EmulatorRequest req)
        {
            var form = Form.Parse(Encoding.UTF8.GetString(req.Body ?? Array.Empty<byte>()));
            lock (_gate)
            {
                if (form.TryGetValue("assertion", out var jwt))
                    return _users.FirstOrDefault(u => u.Jwt != null && OAuthForm.FixedTimeEquals(u.Jwt, jwt))?.ExtensionId;
                if (form.TryGetValue("refresh_token", out var rt) && (_byRefresh.TryGetValue(rt, out var s) || _byPreviousRefresh.TryGetValue(rt, out s)))
                    return s.User.ExtensionId;
            }
            return null;
        }

        private EmulatedApp AuthenticateClient(EmulatorRequest req, Dictionary<string, string> form, bool allowPublic)
        {
            var basic = OAuthForm.BasicCredentials(req);
            lock (_gate)
            {
                if (basic != null)
                {
                    if (_apps.TryGetValue(basic.Value.id, out var app) && OAuthForm.FixedTimeEquals(app.ClientSecret, basic.Value.secret)) return app;
                    throw EmulatorError.OAuth(401, "invalid_client", "OAU-123", "Invalid client credentials");
                }
                if (allowPublic && form.TryGetValue("client_id", out var id) && _apps.TryGetValue(id, out var pub)) return pub;
            }
            throw EmulatorError.OAuth(401, "invalid_client", "OAU-123", "Client authentication is required");
        }

        public EmulatorResponse Token(EmulatorRequest req)
        {
            var form = OAuthForm.FormBody(req);
            form.TryGetValue("grant_type", out var grant);
            var app = AuthenticateClient(req, form, allowPublic: grant == "authorization_code" || grant == "refresh_token");
            if (grant == "refresh_token" && !app.IsPublic && OAuthForm.BasicCredentials(req) == null)
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
                    lock (_gate) user = _users.FirstOrDefault(u => u.Jwt != null && OAuthForm.FixedTimeEquals(u.Jwt, jwt));
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
                        var expected = grantInfo.method == "S256" ? RingCentralEmulator.Base64Url(OAuthForm.Sha256(verifier ?? "")) : verifier;
                        if (verifier == null || expected != grantInfo.challenge)
                            throw EmulatorError.OAuth(400, "invalid_grant", "OAU-109", "code_verifier does not match code_challenge");
                    }
                    return TokenResponse(NewSession(app, grantInfo.user, ttl));
                }
                case null:
                case "":
                    throw EmulatorError.OAuth(400, "invalid_request", "OAU-101", "Parameter [grant_type] is missing");
                default:
                    throw EmulatorError.OAuth(400, "unsupported_grant_type", "OAU-250", $"Unsupported grant type: {RingCentralEmulator.Truncate(grant, 80)}");
            }
        }

        /// <summary>The end of the grace of a session's previous refresh token.</summary>
        private DateTimeOffset GraceEnd(OAuthSession s)
        {
            if (Options.RefreshTokenReuseGrace <= TimeSpan.Zero) return DateTimeOffset.MinValue;
            var unused = s.RefreshedAt + Options.RefreshTokenUnusedGrace;
            return s.AccessFirstUsed is DateTimeOffset used && used + Options.RefreshTokenReuseGrace < unused ? used + Options.RefreshTokenReuseGrace : unused;
        }

        public EmulatorResponse Authorize(EmulatorRequest req)
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
            var code = "RCEMU-CODE-" + RingCentralEmulator.RandomToken();
            lock (_gate) _codes[code] = (app, user, redirect, challenge, method, Clock.GetUtcNow().AddMinutes(1));
            var location = redirect + (redirect.Contains("?") ? "&" : "?") + "code=" + Uri.EscapeDataString(code) +
                           (q.TryGetValue("state", out var state) ? "&state=" + Uri.EscapeDataString(state) : "");
            var r = EmulatorResponse.Empty(302);
            r.Headers["Location"] = location;
            return r;
        }

        public EmulatorResponse Revoke(EmulatorRequest req)
        {
            var form = OAuthForm.FormBody(req);
            AuthenticateClient(req, form, allowPublic: true);
            if (!form.TryGetValue("token", out var token)) Form.Parse(req.Query).TryGetValue("token", out token);
            if (string.IsNullOrEmpty(token))
                return EmulatorResponse.OAuthError(400, "invalid_request", "OAU-101", "Parameter [token] is missing");
            lock (_gate)
            {
                // Revoking either token ends the whole OAuth session.
                if (_byAccess.TryGetValue(token, out var s) || _byRefresh.TryGetValue(token, out s)) EndSession(s);
            }
            return EmulatorResponse.Empty(200);
        }

        /// <summary>Revokes an OAuth session: every token of it is refused from now on (under the lock).</summary>
        private void EndSession(OAuthSession s)
        {
            if (!s.Revoked) Statistics.SessionRevoked();
            s.Revoked = true;
            _byAccess.Remove(s.AccessToken);
            _byRefresh.Remove(s.RefreshToken);
            if (s.PreviousRefreshToken != null) _byPreviousRefresh.Remove(s.PreviousRefreshToken);
        }

        private OAuthSession NewSession(EmulatedApp app, EmulatedUser user, TimeSpan? ttl)
        {
            var s = new OAuthSession { Id = "s-" + Interlocked.Increment(ref _nextSession), App = app, User = user };
            lock (_gate)
            {
                _liveSessions.RemoveAll(x => x.Revoked);
                var mine = _liveSessions.Where(x => x.App == app && x.User == user).ToList();
                // RingCentral's parallel-session limit per user and app: the oldest sessions are revoked.
                for (var i = 0; Options.MaxSessionsPerUser > 0 && i <= mine.Count - Options.MaxSessionsPerUser; i++) EndSession(mine[i]);
                Issue(s, ttl);
                _liveSessions.Add(s);
                Statistics.SessionOpened();
            }
            return s;
        }

        private void Issue(OAuthSession s, TimeSpan? ttl)
        {
            var now = Clock.GetUtcNow();
            s.AccessToken = "RCEMU-AT-" + RingCentralEmulator.RandomToken();
            s.RefreshToken = "RCEMU-RT-" + RingCentralEmulator.RandomToken();
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

        public OAuthSession Authenticate(EmulatorRequest req, bool forceExpired, bool revoke)
        {
            var h = req.Header("Authorization");
            if (h is null || h.Length == 0)
                throw EmulatorError.Rest(401, "OAU-123", "Authorization header is not specified");
            if (!h.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || h.Length <= 7)
                throw EmulatorError.Rest(401, "OAU-134", "Invalid Authorization header: expected 'Bearer <access token>'");
            var token = h.Substring(7).Trim();
            if (!token.StartsWith("RCEMU-AT-", StringComparison.Ordinal))
                throw EmulatorError.Rest(401, "OAU-149", "Access token cannot be parsed");
            lock (_gate)
            {
                if (_byAccess.TryGetValue(token, out var live) && revoke) EndSession(live);
                if (!_byAccess.TryGetValue(token, out var s) || s.Revoked)
                    throw EmulatorError.Rest(401, "OAU-129", "Access token is invalid: revoked, replaced by a refresh, or unknown");
                if (forceExpired) s.AccessForcedExpired = true;
                if (s.AccessForcedExpired || Clock.GetUtcNow() >= s.AccessExpires)
                    throw EmulatorError.Rest(401, "OAU-128", "Access token expired");
                if (s.AccessFirstUsed == null) s.AccessFirstUsed = Clock.GetUtcNow();
                return s;
            }
        }
    }
}
