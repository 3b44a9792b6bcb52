using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client.Http;

namespace RingOut.Client
{
    /// <summary>
    /// The session's subscription to its own telephony sessions over RingCentral's WebSocket gateway: opened at the
    /// first wait that wants it, kept for the session's life, renewed before it expires, reconnected with recovery
    /// when the socket drops (after a failed reconnect, not again before <see cref="ReconnectBackoff"/>). A wait reads
    /// it with <see cref="KeepAliveAndReadAsync"/> on its own schedule; nothing here runs by itself. Every wait for the
    /// gateway is on the session's clock and ends by the caller's deadline (-Timeout); the subscription's requests
    /// over the socket are charged to RingCentral's Medium group in the session's budget.
    /// </summary>
    public sealed partial class TelephonyEventChannel : IDisposable
    {
        internal const string Filter = "/restapi/v1.0/account/~/extension/~/telephony/sessions";
        private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);
        private readonly RingCentralSession _session;
        // The events received: each wait reads from its own cursor, from the moment it began to follow calls.
        private readonly EventLog _log = new EventLog();
        /// <summary>How many events the channel keeps at most.</summary>
        public const int MaxEvents = EventLog.MaxEvents;
        /// <summary>How many of the oldest events were forgotten: the lowest position that can still be read.</summary>
        public int Forgotten => _log.Forgotten;
        private readonly SemaphoreSlim _gate = new SemaphoreSlim(1, 1);
        private IEventSocket? _socket;
        private string? _wsc, _subscriptionId;
        private GatewayToken? _token;
        /// <summary>The subscription's id (for tests that speak as the gateway).</summary>
        internal string? SubscriptionId => _subscriptionId;
        private long _wscSequence;
        private DateTimeOffset _subscriptionExpires;
        private TimeSpan _renewAhead = TimeSpan.FromMinutes(2);
        private DateTimeOffset _lastSent;
        private static readonly TimeSpan HeartbeatAfter = TimeSpan.FromSeconds(60);
        /// <summary>How often a wait for the gateway's answer looks at the socket.</summary>
        private static readonly TimeSpan AnswerPoll = TimeSpan.FromMilliseconds(10);
        private int _reconnectFailures;
        private Exception? _reconnectFailure;
        /// <summary>When the socket was last reopened: the backoff is forgotten only once a socket has lived its longest step.</summary>
        private DateTimeOffset _reopenedAt;

        /// <summary>When the socket, which dropped and could not be reopened (or was ended for a message past the bound), is tried again (null: it is not down).</summary>
        public DateTimeOffset? ReconnectAt { get; private set; }

        /// <summary>The wait after <paramref name="failures"/> failed reconnects before the next: 2 s, doubling, at most 2 minutes.</summary>
        internal static TimeSpan ReconnectBackoff(int failures) => TimeSpan.FromSeconds(Math.Min(2L << Math.Min(failures, 7), 120));

        internal TelephonyEventChannel(RingCentralSession session) { _session = session; }

        /// <summary>The shortest life believed of a subscription or a WebSocket token: a minute.</summary>
        internal static readonly TimeSpan MinLifetime = TimeSpan.FromSeconds(60);

        /// <summary>
        /// A subscription's or a wstoken's lifetime as the server said it (checked by <see cref="ServerValues.Lifetime"/>),
        /// but no shorter than <see cref="MinLifetime"/>: a shorter one is taken as a minute, not refused, so that events
        /// still work with such a server; if it did expire sooner, the renewal's refusal (or the gateway's, of the token)
        /// opens a new one, at the reconnect backoff's pace. Believed as said, <c>expiresIn: 1</c> renewed on every read
        /// and spent the whole Medium budget (200 PUTs in 5 minutes).
        /// </summary>
        internal static TimeSpan Lifetime(string field, long seconds)
        {
            var lifetime = ServerValues.Lifetime(field, seconds);
            return lifetime < MinLifetime ? MinLifetime : lifetime;
        }

        /// <summary>When the subscription began: events of calls placed before it may have been missed.</summary>
        public DateTimeOffset SubscribedAt { get; private set; }

        internal async Task OpenAsync(DateTimeOffset? until, CancellationToken ct)
        {
            await ConnectAsync(recover: false, until, ct).ConfigureAwait(false);
            await SubscribeAsync(until, ct).ConfigureAwait(false);
        }

        /// <summary>A new subscription over the socket just opened.</summary>
        private async Task SubscribeAsync(DateTimeOffset? until, CancellationToken ct)
        {
            var answer = await RequestAsync("POST", "/restapi/v1.0/subscription",
                new Dictionary<string, object> { ["eventFilters"] = new[] { Filter }, ["deliveryMode"] = new Dictionary<string, string> { ["transportType"] = "WebSocket" } }, until, ct).ConfigureAwait(false);
            ReadSubscription(answer);
            SubscribedAt = _session.Clock.GetUtcNow();
        }

        private void ReadSubscription(JsonElement info)
        {
            _subscriptionId = Json.Str(info, "id") ?? throw new RingCentralProtocolException("The subscription answer has no id.");
            var expiresIn = Json.Long(info, "expiresIn") ?? 900;
            var lifetime = Lifetime("subscription expiresIn", expiresIn);
            _subscriptionExpires = _session.Clock.GetUtcNow() + lifetime;
            // Renewed two minutes ahead, or a third of its life ahead for a short-lived one.
            _renewAhead = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(2).Ticks, lifetime.Ticks / 3));
        }

        private async Task ConnectAsync(bool recover, DateTimeOffset? until, CancellationToken ct)
        {
            var now = _session.Clock.GetUtcNow();
            if (_token == null || now >= _token.ReuseUntil)
            {
                using (var doc = await _session.PostForJsonAsync("/restapi/oauth/wstoken", new RequestKind { Description = "opening the telephony event socket", Deadline = until }, ct).ConfigureAwait(false))
                    _token = GatewayToken.Read(doc.RootElement, _session.Server, now, t => _session.Secrets.Add(t));
            }
            _socket?.Dispose();
            var address = new Uri(_token.Uri + "?access_token=" + Uri.EscapeDataString(_token.Token) + (recover && _wsc != null ? "&wsc=" + Uri.EscapeDataString(_wsc) : ""));
            _socket = await _session.OpenEventSocketAsync(address, until, ct).ConfigureAwait(false);
            _reopenedAt = _session.Clock.GetUtcNow();
            var details = await AwaitMessageAsync(m => m.type == "ConnectionDetails" || m.type == "Error", until, ct).ConfigureAwait(false);
            if (details.type == "Error")
            {
                // From the parsed strings (JSON escapes undone), redacted: a secret the server echoes escaped is still hidden.
                var code = Json.Str(details.body, "errorCode");
                var said = Json.Str(details.body, "message");
                throw new RingCentralProtocolException(_session.Secrets.Redact("RingCentral's WebSocket gateway refused the connection: " +
                    (code != null || said != null ? $"{code} {said}".Trim() : "an Error frame")));
            }
            if (recover)
            {
                var recovered = details.body.ValueKind == JsonValueKind.Object && Json.Str(details.body, "recoveryState") == "Successful";
                if (!recovered)
                {
                    // A new session: the subscription is moved onto this socket (a PUT over it, as the gateway allows), so
                    // that the server does not keep one per socket given up; a new one only if it is gone.
                    Gaps++;
                    var moved = false;
                    if (_subscriptionId != null)
                    {
                        try
                        {
                            ReadSubscription(await RequestAsync("PUT", "/restapi/v1.0/subscription/" + _subscriptionId, new Dictionary<string, object> { ["eventFilters"] = new[] { Filter } }, until, ct).ConfigureAwait(false));
                            moved = true;
                        }
                        catch (RingCentralApiException) { }
                    }
                    if (!moved) await SubscribeAsync(until, ct).ConfigureAwait(false);
                }
            }
        }

        /// <summary>
        /// Keeps the subscription alive, then reads: reconnects a socket that dropped (recovering what it can; after a
        /// failed reconnect, not again before <see cref="ReconnectAt"/>: until then this fails at once, sending nothing),
        /// sends the Heartbeat, renews the subscription when due; then gives the events received from position
        /// <paramref name="from"/> of the channel's log on, the position to read from next, and whether events between
        /// <paramref name="from"/> and the oldest kept were forgotten (the log is bounded) before this reader read them.
        /// No wait for the gateway goes past <paramref name="until"/> (the caller's deadline), nor past 30 s.
        /// </summary>
        public async Task<(IReadOnlyList<TelephonyEvent> Events, int Next, bool Lost)> KeepAliveAndReadAsync(int from, DateTimeOffset? until, CancellationToken ct)
        {
            await _gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                if (_socket == null || !_socket.IsOpen)
                {
                    // A socket found closed sooner than the longest backoff step after it opened is a failed reconnect:
                    // it is not reopened before the backoff (a gateway that accepts and then closes every socket).
                    var now = _session.Clock.GetUtcNow();
                    if (_socket != null && ReconnectAt == null && now - _reopenedAt < ReconnectBackoff(int.MaxValue))
                    {
                        _reconnectFailure = new System.Net.Http.HttpRequestException($"RingCentral's WebSocket gateway closed it {(now - _reopenedAt).TotalSeconds:0} s after it was opened");
                        ReconnectAt = now + ReconnectBackoff(_reconnectFailures++);
                    }
                    await ReconnectAsync(until, ct).ConfigureAwait(false);
                }
                else
                {
                    Pump();
                    // A socket that lived the longest backoff step: the failures before it are forgotten (a gateway that
                    // ends every socket at once keeps its reconnects at the backoff's pace).
                    if (_reconnectFailures > 0 && _socket.IsOpen && _session.Clock.GetUtcNow() - _reopenedAt >= ReconnectBackoff(int.MaxValue)) _reconnectFailures = 0;
                }
                // The protocol's Heartbeat after a minute of silence: RingCentral closes a socket idle for 30 minutes,
                // and WebSocket pings do not count.
                if (_socket != null && _socket.IsOpen && _session.Clock.GetUtcNow() - _lastSent >= HeartbeatAfter)
                    await SendAsync(new object[] { new Dictionary<string, object> { ["type"] = "Heartbeat", ["messageId"] = Guid.NewGuid().ToString() } }, ct).ConfigureAwait(false);
                if (_session.Clock.GetUtcNow() >= _subscriptionExpires - _renewAhead)
                {
                    try { ReadSubscription(await RequestAsync("PUT", "/restapi/v1.0/subscription/" + _subscriptionId, new Dictionary<string, object> { ["eventFilters"] = new[] { Filter } }, until, ct).ConfigureAwait(false)); }
                    catch (RingCentralApiException)
                    {
                        // Expired (404), or refused: a new socket and subscription (the wstoken request refreshes the
                        // session's tokens on the way); events of the meantime may be lost, so the wait looks again.
                        Gaps++;
                        _socket?.Dispose();
                        _token = null;
                        await OpenAsync(until, ct).ConfigureAwait(false);
                    }
                }
                return _log.Since(from);
            }
            finally { _gate.Release(); }
        }

        /// <summary>Reopens the socket, unless a failed reconnect's backoff is still running; a failure starts (or lengthens) the backoff.</summary>
        private async Task ReconnectAsync(DateTimeOffset? until, CancellationToken ct)
        {
            var now = _session.Clock.GetUtcNow();
            if (ReconnectAt is DateTimeOffset at && now < at)
                throw new System.Net.Http.HttpRequestException($"{_reconnectFailure?.Message}; trying again after {at:HH:mm:ss} UTC.", _reconnectFailure);
            try
            {
                await ConnectAsync(recover: true, until, ct).ConfigureAwait(false);
                ReconnectAt = null;
            }
            catch (Exception e) when (Failures.IsReadFailure(e))
            {
                _reconnectFailure = new System.Net.Http.HttpRequestException("it could not be reopened (" + e.Message + ")", e);
                ReconnectAt = _session.Clock.GetUtcNow() + ReconnectBackoff(_reconnectFailures++);
                throw;
            }
        }

        /// <summary>The position of the first event that arrived at or after <paramref name="since"/> (on the session's clock): where a wait that began following calls then starts reading.</summary>
        public async Task<int> PositionAtAsync(DateTimeOffset since, CancellationToken ct)
        {
            await _gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                Pump();
                return _log.PositionAt(since);
            }
            finally { _gate.Release(); }
        }

        /// <summary>How many times events may have been lost (a failed recovery, an expired subscription): a wait that saw a smaller number polls what it follows.</summary>
        public int Gaps { get; private set; }

        private async Task<JsonElement> RequestAsync(string method, string path, object? body, DateTimeOffset? until, CancellationToken ct)
        {
            var id = Guid.NewGuid().ToString();
            var meta = new Dictionary<string, object> { ["type"] = "ClientRequest", ["messageId"] = id, ["method"] = method, ["path"] = path };
            var message = body == null ? new object[] { meta } : new[] { meta, body };
            // RingCentral charges the subscription's requests to their group (Medium; Light for a read), over the socket as
            // over REST: the one table says which.
            var group = RateGroups.Of(method, path);
            // The budget's wait, as every wait for the gateway, ends by the caller's deadline: a wait past it is not begun.
            if (until is DateTimeOffset u && _session.Clock.GetUtcNow() + _session.Budget.WaitTime(group) > u)
                throw new TimeoutException($"RingCentral's {group} budget has no room for {method} {path} before the wait's deadline.");
            var slot = await _session.Budget.TakeAsync(group, ct).ConfigureAwait(false);
            await SendAsync(message, ct).ConfigureAwait(false);
            var answer = await AwaitMessageAsync(m => m.messageId == id, until, ct).ConfigureAwait(false);
            await _session.Budget.AnsweredAsync(group, slot, ct).ConfigureAwait(false);
            if (answer.status < 200 || answer.status > 299)
            {
                var code = _session.Secrets.Redact(answer.body.ValueKind == JsonValueKind.Object ? Json.Str(answer.body, "errorCode") : null);
                var said = _session.Secrets.Redact(answer.body.ValueKind == JsonValueKind.Object ? Json.Str(answer.body, "message") : null);
                throw new RingCentralApiException($"RingCentral refused {method} {path} over the WebSocket ({answer.status} {code}): {said}",
                    (System.Net.HttpStatusCode)answer.status, code, said, Array.Empty<RingCentralErrorDetail>(), null, null, null, null);
            }
            return answer.body;
        }

        private async Task SendAsync(object[] message, CancellationToken ct)
        {
            await (_socket ?? throw new InvalidOperationException("The event socket is not open.")).SendAsync(JsonSerializer.Serialize(message), ct).ConfigureAwait(false);
            _lastSent = _session.Clock.GetUtcNow();
        }

        /// <summary>
        /// Ends the subscription (DELETE over the socket) and closes the socket with a Close frame, so that the server
        /// keeps neither for a recovery that will not come: what Disconnect does before it revokes the tokens. Bounded
        /// by <paramref name="ct"/>; a refusal or a socket already gone is no failure.
        /// </summary>
        internal async Task CloseAsync(CancellationToken ct)
        {
            await _gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                if (_socket != null && _socket.IsOpen && _subscriptionId != null)
                {
                    try { await RequestAsync("DELETE", "/restapi/v1.0/subscription/" + _subscriptionId, null, null, ct).ConfigureAwait(false); }
                    catch (Exception e) when (Failures.IsReadFailure(e) || e is OperationCanceledException) { }
                }
                _subscriptionId = null;
                if (_socket is NetworkEventSocket network) await network.CloseAsync(ct).ConfigureAwait(false);
            }
            finally
            {
                _socket?.Dispose();
                _socket = null;
                _gate.Release();
            }
        }

        public void Dispose() => _socket?.Dispose();
    }
}
