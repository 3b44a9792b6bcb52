using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;

namespace RingOut.Client.Http
{
    /// <summary>
    /// Puts the session's access token on every API request (refreshed ahead of expiry), and Basic client
    /// authentication on OAuth requests. A 401 that says the token expired or is no longer valid is followed by
    /// one refresh and one more try; the server did not act on a 401, so this never repeats an action.
    /// </summary>
    internal sealed class BearerTokenHandler : DelegatingHandler
    {
        private readonly TokenManager _tokens;

        public BearerTokenHandler(TokenManager tokens) { _tokens = tokens; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var kind = RequestKind.Of(request);
            if (kind.UsesClientCredentials)
            {
                var basic = _tokens.BasicCredentials();
                if (basic != null) request.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }

            var token = await _tokens.GetAccessTokenAsync(cancellationToken).ConfigureAwait(false);
            for (var attempt = 0; ; attempt++)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode != HttpStatusCode.Unauthorized || !await IsTokenRejectionAsync(response).ConfigureAwait(false))
                {
                    _tokens.Accepted(token);
                    return response;
                }
                // Refused again with the new token: a session just signed in again for, ended at once, is over (this
                // throws); otherwise the refusal is the answer.
                if (attempt > 0) { _tokens.ThrowIfSignInEnded(token); return response; }
                var refusal = await _tokens.RefusalOf(request, response).ConfigureAwait(false);
                response.Dispose();
                token = await _tokens.RefreshAfterRejectionAsync(token, refusal, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>OAU-128 (expired), OAU-129 (invalid: replaced or revoked), OAU-149 (unparsable).</summary>
        private static async Task<bool> IsTokenRejectionAsync(HttpResponseMessage response)
        {
            if (response.Content == null) return false;
            await response.Content.LoadIntoBufferAsync().ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            return body.Contains("OAU-128") || body.Contains("OAU-129") || body.Contains("OAU-149");
        }
    }
}
