using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client.Http;

namespace RingOut.Client
{
    /// <summary>RingCentral's Call Control API: end a telephony session for every party (Light).</summary>
    public sealed partial class RingCentralSession
    {
        /// <summary>
        /// DELETE telephony/sessions/{id}: ends the call for every party, a connected RingOut included. Safe to
        /// repeat: a session already over answers 404 (<see cref="RingCentralApiException.IsNotFound"/>).
        /// </summary>
        public async Task EndCallSessionAsync(string telephonySessionId, string accountId = ApiPaths.Me, CancellationToken cancellationToken = default)
        {
            var path = ApiPaths.TelephonySession(accountId, telephonySessionId);
            var what = $"ending telephony session {telephonySessionId}";
            var (response, bytes) = await SendAsync(HttpMethod.Delete, path, null, new RequestKind { Group = RateGroup.Light, Description = what }, cancellationToken).ConfigureAwait(false);
            using (response)
                if (!response.IsSuccessStatusCode) throw RingCentralApiException.From(response, bytes, what, Secrets);
        }
    }
}
