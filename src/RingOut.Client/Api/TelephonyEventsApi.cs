using System;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client.Http;

namespace RingOut.Client
{
    /// <summary>The session's telephony events over RingCentral's WebSocket gateway (wstoken: Auth; subscription: Medium).</summary>
    public sealed partial class RingCentralSession
    {
        private readonly SemaphoreSlim _eventsGate = new SemaphoreSlim(1, 1);
        private TelephonyEventChannel? _events;
        private Exception? _eventsRefused;

        /// <summary>Why this session cannot subscribe to telephony events, once it tried; null while it can, or has not tried.</summary>
        public string? EventsUnavailable => _eventsRefused?.Message;

        /// <summary>
        /// The session's subscription to its telephony sessions, opened at the first call and kept for the session's
        /// life; null when the session cannot subscribe (no WebSocketsSubscription permission, no gateway): a wait then polls.
        /// </summary>
        public async Task<TelephonyEventChannel?> TelephonyEventsAsync(CancellationToken cancellationToken = default)
        {
            if (_events != null || _eventsRefused != null) return _events;
            await _eventsGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_events != null || _eventsRefused != null) return _events;
                var channel = new TelephonyEventChannel(this);
                try
                {
                    await channel.OpenAsync(cancellationToken).ConfigureAwait(false);
                    return _events = channel;
                }
                catch (Exception e) when (e is RingCentralApiException || e is RingCentralProtocolException || e is HttpRequestException ||
                                          e is RingCentralRedirectException || e is RingCentralServerValueException || e is System.Net.WebSockets.WebSocketException)
                {
                    channel.Dispose();
                    _eventsRefused = e;
                    return null;
                }
            }
            finally { _eventsGate.Release(); }
        }

        internal async Task<JsonDocument> PostForJsonAsync(string path, RequestKind kind, CancellationToken ct)
        {
            var (response, body) = await SendAsync(HttpMethod.Post, path, null, kind, ct).ConfigureAwait(false);
            using (response)
            {
                if (!response.IsSuccessStatusCode) throw RingCentralApiException.From(response, body, kind.Description, Secrets);
                return ParseJson(body, kind.Description);
            }
        }

        internal Task<IEventSocket> OpenEventSocketAsync(Uri address, CancellationToken ct)
        {
            if (!IsConnected) throw new ObjectDisposedException(nameof(RingCentralSession), Messages.Disconnected);
            return _eventSocket != null ? _eventSocket(address, ct) : NetworkEventSocket.ConnectAsync(address, ct);
        }
    }
}
