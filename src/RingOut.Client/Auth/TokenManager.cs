using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Security;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client.Http;

namespace RingOut.Client
{
    /// <summary>
    /// Holds the session's tokens in memory only and keeps them fresh: refresh ahead of expiry, one refresh at a
    /// time (callers that arrive during a refresh wait for it and share its result), and never a new login per request.
    /// </summary>
    internal sealed class TokenManager : IDisposable
    {
        private readonly SemaphoreSlim _refreshGate = new SemaphoreSlim(1, 1);
        private readonly TimeProvider _clock;
        private readonly string? _clientId;
        private readonly SecureString? _clientSecret;
        private string? _accessToken;
        private string? _refreshToken;
        private RingCentralAuthenticationException? _dead;
        // The JWT credential the session was opened with: what it signs in again with when RingCentral ends it.
        private SecureString? _jwt;
        private readonly List<SessionSignIn> _signIns = new List<SessionSignIn>();
        // The last sign-in again, while no request has succeeded with its token: if RingCentral ends that session too,
        // signing in once more would loop (one JWT sign-in per request), so the session is over instead.
        private SessionSignIn? _unproven;
        private string? _unprovenToken;

        private readonly SecretRedactor _secrets;

        public TokenManager(TimeProvider clock, string? clientId, SecureString? clientSecret, SecretRedactor secrets)
        {
            _clock = clock; _clientId = clientId; _clientSecret = Secret.Copy(clientSecret); _secrets = secrets;
            _secrets.AddCredential(Secret.Reveal(_clientSecret));
            // What is sent for them (Authorization: Basic base64(id:secret)) is as secret as they are.
            if (_clientSecret != null) _secrets.AddCredential(BasicCredentials());
        }

        /// <summary>Unreadable answers to a refresh that are asked again (safe: RingCentral answers a used refresh token with the same tokens for a grace period).</summary>
        private const int RefreshRereads = 2;

        /// <summary>Sends a form to the token endpoint: (form, what for, fail fast when the connection cannot be made, cancellation).</summary>
        public Func<IDictionary<string, string>, string, bool, CancellationToken, Task<HttpResponseMessage>>? PostForm { get; set; }

        public TimeSpan RefreshMargin { get; set; } = TimeSpan.FromSeconds(60);
        public DateTimeOffset? AccessTokenExpiresOn { get; private set; }
        public DateTimeOffset? RefreshTokenExpiresOn { get; private set; }
        public string? OwnerId { get; private set; }
        public bool CanRefresh => _refreshToken != null;
        public int Refreshes { get; private set; }
        /// <summary>Whether the session can sign in again by itself (it was opened with a JWT credential).</summary>
        public bool CanSignInAgain => _jwt != null;
        /// <summary>Each time the session signed in again with its JWT, and why.</summary>
        public IReadOnlyList<SessionSignIn> SignInsAgain { get { lock (_signIns) return _signIns.ToArray(); } }
        /// <summary>Told (in the async flow of the request that needed it) when the session signed in again, with why.</summary>
        public Action<SessionSignIn>? SignedInAgain { get; set; }

        public string? BasicCredentials()
        {
            if (_clientId == null) return null;
            return Convert.ToBase64String(Encoding.UTF8.GetBytes(_clientId + ":" + (Secret.Reveal(_clientSecret) ?? "")));
        }

        /// <summary>A token brought by the user: no refresh token, expiry unknown.</summary>
        public void UseAccessToken(string token)
        {
            _secrets.AddCredential(token);
            _accessToken = token; _refreshToken = null; AccessTokenExpiresOn = null; RefreshTokenExpiresOn = null;
        }

        public async Task LoginWithJwtAsync(SecureString jwt, CancellationToken ct)
        {
            _jwt = Secret.Copy(jwt);
            _secrets.AddCredential(Secret.Reveal(_jwt));
            await JwtGrantAsync(_jwt, "signing in with the JWT credential", failFast: true, ct).ConfigureAwait(false);
        }

        private Task JwtGrantAsync(SecureString jwt, string what, bool failFast, CancellationToken ct) =>
            TokenRequestAsync(new Dictionary<string, string>
            {
                ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer",
                ["assertion"] = Secret.Reveal(jwt),
            }, what, failFast, ct);

        /// <summary>
        /// How often a session signs in again by itself: at most this many times in <see cref="SignInChurnWindow"/>.
        /// RingCentral ends a healthy session rarely (a refresh token that expired after days, a revocation); one that
        /// is ended after every few requests (another process signing in as the same user, a broken server) would
        /// otherwise sign in again every minute or two without end, each said as a warning. After the third in an
        /// hour the session is over (RingOut.SessionExpired), naming the churn.
        /// </summary>
        internal const int MaxSignInsAgainInWindow = 3;
        internal static readonly TimeSpan SignInChurnWindow = TimeSpan.FromHours(1);

        /// <summary>
        /// RingCentral ended the session (<paramref name="why"/>): a session opened with a JWT signs in again with it,
        /// once for every caller waiting (they hold the refresh gate); one without is over, and says why.
        /// </summary>
        private async Task<string> HealAsync(string why, Exception? cause, CancellationToken ct)
        {
            if (!(_jwt is SecureString jwt)) throw _dead = new RingCentralAuthenticationException(why + " " + Messages.CannotSignInAgain, cause);
            var now = _clock.GetUtcNow();
            SessionSignIn[] recent;
            lock (_signIns) recent = _signIns.Where(s => now - s.At < SignInChurnWindow).ToArray();
            if (recent.Length >= MaxSignInsAgainInWindow)
                throw _dead = new RingCentralAuthenticationException(Messages.SignInChurn(why, recent.Length, SignInChurnWindow, recent[recent.Length - 1]), cause);
            try
            {
                await JwtGrantAsync(jwt, "signing in again with the JWT credential", failFast: false, ct).ConfigureAwait(false);
            }
            catch (RingCentralApiException e) when ((int)e.StatusCode >= 400 && (int)e.StatusCode < 500 && (int)e.StatusCode != 429)
            {
                throw _dead = new RingCentralAuthenticationException(Messages.SignInAgainRefused(why, e.ErrorCode, e.ApiMessage), e);
            }
            var signIn = new SessionSignIn(_clock.GetUtcNow(), why);
            lock (_signIns) _signIns.Add(signIn);
            _unproven = signIn;
            _unprovenToken = _accessToken;
            SignedInAgain?.Invoke(signIn);
            return AccessToken;
        }

        /// <summary>The access token a token request just stored (TokenRequestAsync stores one or throws).</summary>
        private string AccessToken => _accessToken ?? throw new InvalidOperationException("No access token after a successful token request.");

        public async Task<string?> GetAccessTokenAsync(CancellationToken ct)
        {
            if (_dead != null) throw _dead;
            var expires = AccessTokenExpiresOn;
            if (expires == null || _clock.GetUtcNow() < expires.Value - RefreshMargin) return _accessToken;
            return await RefreshAsync(_accessToken, ct).ConfigureAwait(false);
        }

        public Task<string> RefreshAfterRejectionAsync(string? rejected, RingCentralApiException? refusal, CancellationToken ct)
        {
            ThrowIfSignInEnded(rejected);
            return RefreshAsync(rejected, ct, refusal);
        }

        /// <summary>RingCentral's refusal of a token (its errorCode and words), kept for the error of a session that cannot renew it.</summary>
        public async Task<RingCentralApiException> RefusalOf(HttpRequestMessage request, HttpResponseMessage response)
        {
            var body = response.Content == null ? Array.Empty<byte>() : await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            return RingCentralApiException.From(response, body, $"{request.Method} {request.RequestUri?.AbsolutePath}", _secrets);
        }

        /// <summary>
        /// RingCentral refused <paramref name="rejected"/>, the token of a sign-in again before any request succeeded
        /// with it: the session is over (RingOut.SessionExpired), rather than a sign-in per request without end.
        /// </summary>
        public void ThrowIfSignInEnded(string? rejected)
        {
            if (_unproven is SessionSignIn signIn && rejected != null && string.Equals(rejected, _unprovenToken, StringComparison.Ordinal))
                throw _dead = new RingCentralAuthenticationException(Messages.SignedInSessionEnded(signIn.At, signIn.Reason));
        }

        /// <summary>A request with <paramref name="token"/> was not refused for its token: a session signed in again for is proven.</summary>
        public void Accepted(string? token)
        {
            if (_unproven != null && token != null && string.Equals(token, _unprovenToken, StringComparison.Ordinal)) { _unproven = null; _unprovenToken = null; }
        }

        private async Task<string> RefreshAsync(string? stale, CancellationToken ct, RingCentralApiException? refusal = null)
        {
            await _refreshGate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                if (_dead != null) throw _dead;
                // Someone else refreshed while we waited: use their token.
                if (!ReferenceEquals(stale, _accessToken) && _accessToken != null &&
                    (AccessTokenExpiresOn == null || _clock.GetUtcNow() < AccessTokenExpiresOn.Value - RefreshMargin))
                    return _accessToken;
                if (!(_refreshToken is string refreshToken))
                {
                    return refusal == null
                        ? await HealAsync(Messages.NoRefreshToken, null, ct).ConfigureAwait(false)
                        : await HealAsync(Messages.AccessTokenRefused(refusal.ErrorCode, refusal.ApiMessage), refusal, ct).ConfigureAwait(false);
                }
                if (RefreshTokenExpiresOn is DateTimeOffset rte && _clock.GetUtcNow() >= rte)
                {
                    return await HealAsync(Messages.RefreshTokenExpired(rte), null, ct).ConfigureAwait(false);
                }
                for (var reread = 0; ; reread++)
                {
                    try
                    {
                        // Safe to send again: RingCentral accepts a used refresh token for a grace period and answers
                        // with the same new tokens, so a lost or unreadable answer is recovered, not fatal.
                        await TokenRequestAsync(new Dictionary<string, string>
                        {
                            ["grant_type"] = "refresh_token",
                            ["refresh_token"] = refreshToken,
                        }, "refreshing the session's access token", failFast: false, ct).ConfigureAwait(false);
                        break;
                    }
                    catch (RingCentralApiException e) when ((int)e.StatusCode >= 400 && (int)e.StatusCode < 500 && (int)e.StatusCode != 429)
                    {
                        return await HealAsync(Messages.RefreshRefused(e.ErrorCode, e.ApiMessage), e, ct).ConfigureAwait(false);
                    }
                    catch (RingCentralProtocolException) when (reread < RefreshRereads) { }
                    catch (HttpRequestException e)
                    {
                        // The refresh is not the request it was made for: say what failed, and that nothing else was sent.
                        throw new HttpRequestException($"Could not refresh the session's access token, so the request it was needed for was not sent: {e.Message}", e);
                    }
                }
                Refreshes++;
                return AccessToken;
            }
            finally
            {
                _refreshGate.Release();
            }
        }

        private async Task TokenRequestAsync(Dictionary<string, string> form, string what, bool failFast, CancellationToken ct)
        {
            using (var response = await (PostForm ?? throw new InvalidOperationException("PostForm is not set."))(form, what, failFast, ct).ConfigureAwait(false))
            {
                var body = response.Content == null ? Array.Empty<byte>() : await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                if (!response.IsSuccessStatusCode) throw RingCentralApiException.From(response, body, what, _secrets);
                try
                {
                    using (var doc = JsonDocument.Parse(body))
                    {
                        var root = doc.RootElement;
                        var now = _clock.GetUtcNow();
                        var access = root.GetProperty("access_token").GetString();
                        if (string.IsNullOrEmpty(access)) throw new RingCentralProtocolException("The token response has no access_token.");
                        var refresh = root.TryGetProperty("refresh_token", out var rt) && rt.ValueKind == JsonValueKind.String ? rt.GetString() : null;
                        _secrets.Add(access);
                        _secrets.Add(refresh);
                        var accessExpires = Json.Long(root, "expires_in") is long s ? now + ServerValues.Lifetime("expires_in", s) : (DateTimeOffset?)null;
                        var refreshExpires = Json.Long(root, "refresh_token_expires_in") is long rs ? now + ServerValues.Lifetime("refresh_token_expires_in", rs) : (DateTimeOffset?)null;
                        _accessToken = access;
                        _refreshToken = refresh;
                        AccessTokenExpiresOn = accessExpires;
                        RefreshTokenExpiresOn = refreshExpires;
                        OwnerId = root.TryGetProperty("owner_id", out var o) ? (o.ValueKind == JsonValueKind.String ? o.GetString() : o.ToString()) : null;
                    }
                }
                catch (Exception e) when (e is JsonException || e is KeyNotFoundException || e is InvalidOperationException)
                {
                    throw new RingCentralProtocolException($"RingCentral's answer to {what} could not be read as a token response.", e);
                }
            }
        }

        /// <summary>The tokens to revoke: refresh token if any (it ends the whole OAuth session), else the access token.</summary>
        public string? TokenToRevoke => _refreshToken ?? _accessToken;

        public void Forget(string reason)
        {
            _accessToken = null; _refreshToken = null;
            _jwt?.Dispose(); _jwt = null; // a session the user ended does not sign in again
            _dead = new RingCentralAuthenticationException(reason);
        }

        public void Dispose()
        {
            _clientSecret?.Dispose();
            _jwt?.Dispose();
            _refreshGate.Dispose();
        }

        public override string ToString() => "TokenManager (tokens hidden)";
    }

    /// <summary>A time the session signed in again by itself with its JWT credential, and why.</summary>
    public sealed class SessionSignIn
    {
        internal SessionSignIn(DateTimeOffset at, string reason) { At = at; Reason = reason; }
        public DateTimeOffset At { get; }
        /// <summary>What RingCentral did that ended the session before (refused the refresh, the refresh token expired, …).</summary>
        public string Reason { get; }
        public override string ToString() => $"{At:u}: {Reason}";
    }
}
