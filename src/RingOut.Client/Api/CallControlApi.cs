using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client.Http;

namespace RingOut.Client
{
    /// <summary>RingCentral's Call Control API: end a telephony session for every party.</summary>
    public sealed partial class RingCentralSession
    {
        /// <summary>
        /// DELETE telephony/sessions/{id}: ends the call for every party, a connected RingOut included. Safe to
        /// repeat: a session already over answers 404 (<see cref="RingCentralApiException.IsNotFound"/>).
        /// </summary>
        public async Task EndCallSessionAsync(string telephonySessionId, string? accountId = ApiPaths.Me, CancellationToken cancellationToken = default)
        {
            var path = ApiPaths.TelephonySession(accountId, telephonySessionId);
            var what = $"ending telephony session {telephonySessionId}";
            var (response, bytes) = await SendAsync(HttpMethod.Delete, path, null, new RequestKind { Description = what }, cancellationToken).ConfigureAwait(false);
            using (response)
                if (!response.IsSuccessStatusCode) throw RingCentralApiException.From(response, bytes, what, Secrets);
        }

        /// <summary>GET telephony/sessions/{id}: the session's parties now, as a telephony event without a sequence (Light).</summary>
        public async Task<TelephonyEvent> GetCallSessionAsync(string telephonySessionId, string? accountId = ApiPaths.Me, CancellationToken cancellationToken = default)
        {
            var path = ApiPaths.TelephonySession(accountId, telephonySessionId);
            using (var doc = await GetJsonAsync(path, new RequestKind { Description = $"reading telephony session {telephonySessionId}" }, cancellationToken).ConfigureAwait(false))
            {
                var e = TelephonyEvent.Read(doc.RootElement);
                e.TelephonySessionId = e.TelephonySessionId ?? Json.Str(doc.RootElement, "id") ?? telephonySessionId;
                e.EventTime = Clock.GetUtcNow();
                return e;
            }
        }

        /// <summary>
        /// Hangs up a connected RingOut through Call Control. The RingOut API does not name the call's telephony
        /// session, so it is found among the extension's active calls (one Heavy read) the way the call log is
        /// linked (<see cref="CallCorrelation"/>): by number and time. Returns the telephony session id ended.
        /// Throws <see cref="RingOutHangUpException"/> when no active call, or more than one, could be this one.
        /// </summary>
        public async Task<string> HangUpAsync(RingOutCall call, CancellationToken cancellationToken = default)
        {
            if (call == null) throw new System.ArgumentNullException(nameof(call));
            var telephonySessionId = call.TelephonySessionId;
            if (telephonySessionId == null)
            {
                if (call.To == null)
                    throw new RingOutHangUpException($"RingOut call {call.Id} is connected, but which live call it is cannot be told from its id alone: pipe the call as New-RingOutCall wrote it (it knows the number and the time).");
                var active = await GetActiveCallsAsync(call.AccountId, call.ExtensionId, cancellationToken: cancellationToken).ConfigureAwait(false);
                var link = CallCorrelation.Link(new[] { call }, active.Where(r => r.IsRingOut).Select(CallCorrelation.Of).ToList(), ServerClock, Claims.HolderOf).Single();
                if (link.Options.Count == 0)
                    throw new RingOutHangUpException($"RingOut call {call.Id} to {call.To} is not among the extension's active calls: it may have just ended.", notLive: true);
                if (link.Options.Count > 1)
                    throw new RingOutHangUpException($"{link.Options.Count} live calls to {call.To} began as RingOut call {call.Id} was placed: which one to hang up cannot be told, so none was.");
                telephonySessionId = (link.Options[0].Source as CallLogRecord)?.TelephonySessionId
                    ?? throw new RingOutHangUpException($"RingOut call {call.Id} to {call.To} is among the extension's active calls, but RingCentral gave no telephony session id for it, so it cannot be hung up.");
            }
            await EndCallSessionAsync(telephonySessionId, call.AccountId, cancellationToken).ConfigureAwait(false);
            return telephonySessionId;
        }
    }
}
