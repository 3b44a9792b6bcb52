using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;

namespace RingOut.Emulator
{
    /// <summary>RingCentral's OAuth endpoints: token (JWT, refresh, auth code with PKCE), authorize, revoke; the sessions they issue.</summary>
    public sealed partial class RingCentralEmulator
    {
        private static string? ClientIdOf(EmulatorRequest req)
        {
            var basic = BasicCredentials(req);
            if (basic != null) return basic.Value.id;
            var form = Form.Parse(Encoding.UTF8.GetString(req.Body ?? Array.Empty<byte>()));
            return form.TryGetValue("client_id", out var id) ? id : null;
        }

        /// <summary>The extension a token request is for: the JWT's user, or the refresh token's session's (null when unknown).</summary>
        private string? TokenUserOf(EmulatorRequest req)
        {
            var form = Form.Parse(Encoding.UTF8.GetString(req.Body ?? Array.Empty<byte>()));
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
            return Form.Parse(Encoding.UTF8.GetString(req.Body ?? Array.Empty<byte>()));
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
