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
        private DateTimeOffset _eventsRetryAt;
        private int _eventsFailures;

        /// <summary>Why this session could not subscribe to telephony events at its last try, and when it tries again; null while it can, or has not tried.</summary>
        internal string? EventsUnavailable => _eventsRefused == null ? null
            : $"{_eventsRefused.Message} (subscribing again after {_eventsRetryAt:HH:mm:ss} UTC)";

        /// <summary>Why the last subscription failed (the failure itself, for advice that fits it); null while it can, or has not tried.</summary>
        internal Exception? EventsRefusal => _eventsRefused;

        /// <summary>When a session whose subscription failed tries again (null: it did not fail).</summary>
        internal DateTimeOffset? EventsRetryAt => _eventsRefused == null ? (DateTimeOffset?)null : _eventsRetryAt;

        /// <summary>The wait before the next try after <paramref name="failures"/> failed ones: 30 s, doubling, at most 30 minutes.</summary>
        internal static TimeSpan EventsBackoff(int failures) =>
            TimeSpan.FromSeconds(Math.Min(30L << Math.Min(failures, 6), 1800));

        /// <summary>
        /// The session's subscription to its telephony sessions, opened at the first call and kept for the session's
        /// life; null when the session cannot subscribe now (no WebSocketsSubscription permission, no gateway, a network
        /// failure): a wait then polls, and the session tries again after a backoff (<see cref="EventsRetryAt"/>).
        /// </summary>
        public Task<TelephonyEventChannel?> TelephonyEventsAsync(CancellationToken cancellationToken = default) => TelephonyEventsAsync(null, cancellationToken);

        /// <summary>As <see cref="TelephonyEventsAsync(CancellationToken)"/>, waiting for the gateway no later than <paramref name="until"/> (a wait's -Timeout).</summary>
        public async Task<TelephonyEventChannel?> TelephonyEventsAsync(DateTimeOffset? until, CancellationToken cancellationToken)
        {
            if (_events != null || (_eventsRefused != null && Clock.GetUtcNow() < _eventsRetryAt)) return _events;
            await _eventsGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_events != null || (_eventsRefused != null && Clock.GetUtcNow() < _eventsRetryAt)) return _events;
                var channel = new TelephonyEventChannel(this);
                try
                {
                    await channel.OpenAsync(until, cancellationToken).ConfigureAwait(false);
                    _eventsRefused = null;
                    _eventsFailures = 0;
                    return _events = channel;
                }
                catch (Exception e) when (Failures.IsReadFailure(e))
                {
                    channel.Dispose();
                    _eventsRefused = e;
                    _eventsRetryAt = Clock.GetUtcNow() + EventsBackoff(_eventsFailures++);
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

        /// <summary>Opens a socket to the gateway: within 30 s, and no later than <paramref name="until"/> on the session's clock.</summary>
        internal Task<IEventSocket> OpenEventSocketAsync(Uri address, DateTimeOffset? until, CancellationToken ct)
        {
            if (!IsConnected) throw new ObjectDisposedException(nameof(RingCentralSession), Messages.Disconnected);
            var timeout = NetworkEventSocket.ConnectTimeout;
            var left = until is DateTimeOffset u ? u - Clock.GetUtcNow() : timeout;
            if (left < timeout) timeout = left > TimeSpan.Zero ? left : TimeSpan.Zero;
            return _eventSocket != null ? _eventSocket(address, ct) : NetworkEventSocket.ConnectAsync(address, timeout, ct);
        }
    }
}
