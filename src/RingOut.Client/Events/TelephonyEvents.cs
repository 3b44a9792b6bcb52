using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client.Http;

namespace RingOut.Client
{
    /// <summary>
    /// One WebSocket connection to RingCentral's gateway, as text messages both ways. The network one is a
    /// ClientWebSocket; the in-process emulator supplies its own (<see cref="RingCentralConnectOptions.EventSocket"/>).
    /// </summary>
    public interface IEventSocket : IDisposable
    {
        Task SendAsync(string text, CancellationToken cancellationToken);
        /// <summary>The messages received since the last call, without waiting.</summary>
        IReadOnlyList<string> Drain();
        bool IsOpen { get; }
    }

    /// <summary>One telephony session event: a RingOut's parties and their statuses at one moment. It carries no RingOut id.</summary>
    public sealed class TelephonyEvent
    {
        public string? TelephonySessionId { get; internal set; }
        public string? SessionId { get; internal set; }
        public long Sequence { get; internal set; }
        public DateTimeOffset EventTime { get; internal set; }
        public string? Origin { get; internal set; }
        public IReadOnlyList<TelephonyParty> Parties { get; internal set; } = Array.Empty<TelephonyParty>();
        public override string ToString() => $"{TelephonySessionId} #{Sequence} {string.Join(", ", Parties)}";
    }

    public sealed class TelephonyParty
    {
        /// <summary>The number this party's leg rings.</summary>
        public string? To { get; internal set; }
        public string? Code { get; internal set; }
        public string? Reason { get; internal set; }
        public override string ToString() => $"{To} {Code}{(Reason != null ? " (" + Reason + ")" : "")}";
    }

    /// <summary>
    /// The session's subscription to its own telephony sessions over RingCentral's WebSocket gateway: opened at the
    /// first wait that wants it, kept for the session's life, renewed before it expires, reconnected with recovery
    /// when the socket drops (after a failed reconnect, not again before <see cref="ReconnectBackoff"/>). A wait reads
    /// it with <see cref="KeepAliveAndReadAsync"/> on its own schedule; nothing here runs by itself. Every wait for the
    /// gateway is on the session's clock and ends by the caller's deadline (-Timeout); the subscription's requests
    /// over the socket are charged to RingCentral's Medium group in the session's budget.
    /// </summary>
    public sealed class TelephonyEventChannel : IDisposable
    {
        internal const string Filter = "/restapi/v1.0/account/~/extension/~/telephony/sessions";
        private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);
        private readonly RingCentralSession _session;
        // The events received, in order of arrival, and when each arrived: each wait reads from its own cursor (an
        // absolute position: Forgotten + index), from the moment it began to follow calls. Bounded: beyond MaxEvents
        // the oldest half is forgotten, and a wait that had not read them yet is told it lost events.
        private readonly List<TelephonyEvent> _log = new List<TelephonyEvent>();
        private readonly List<DateTimeOffset> _arrived = new List<DateTimeOffset>();
        /// <summary>How many events the channel keeps at most.</summary>
        public const int MaxEvents = 20_000;
        /// <summary>How many of the oldest events were forgotten: the lowest position that can still be read.</summary>
        public int Forgotten { get; private set; }
        private readonly SemaphoreSlim _gate = new SemaphoreSlim(1, 1);
        private IEventSocket? _socket;
        private string? _wsc, _subscriptionId, _wsToken;
        /// <summary>The subscription's id (for tests that speak as the gateway).</summary>
        internal string? SubscriptionId => _subscriptionId;
        private long _wscSequence;
        private Uri? _wsUri;
        private DateTimeOffset _wsTokenExpires, _subscriptionExpires;
        private TimeSpan _renewAhead = TimeSpan.FromMinutes(2);
        private DateTimeOffset _lastSent;
        private static readonly TimeSpan HeartbeatAfter = TimeSpan.FromSeconds(60);
        /// <summary>How often a wait for the gateway's answer looks at the socket.</summary>
        private static readonly TimeSpan AnswerPoll = TimeSpan.FromMilliseconds(10);
        private int _reconnectFailures;
        private Exception? _reconnectFailure;

        /// <summary>When the socket, which dropped and could not be reopened, is tried again (null: it is not down).</summary>
        public DateTimeOffset? ReconnectAt { get; private set; }

        /// <summary>The wait after <paramref name="failures"/> failed reconnects before the next: 2 s, doubling, at most 2 minutes.</summary>
        internal static TimeSpan ReconnectBackoff(int failures) => TimeSpan.FromSeconds(Math.Min(2L << Math.Min(failures, 7), 120));

        internal TelephonyEventChannel(RingCentralSession session) { _session = session; }

        /// <summary>When the subscription began: events of calls placed before it may have been missed.</summary>
        public DateTimeOffset SubscribedAt { get; private set; }
        /// <summary>Times the socket was reopened, and how many of those lost events (recovery failed).</summary>
        public int Reconnects { get; private set; }
        public int RecoveriesFailed { get; private set; }

        internal async Task OpenAsync(DateTimeOffset? until, CancellationToken ct)
        {
            await ConnectAsync(recover: false, until, ct).ConfigureAwait(false);
            var answer = await RequestAsync("POST", "/restapi/v1.0/subscription",
                new Dictionary<string, object> { ["eventFilters"] = new[] { Filter }, ["deliveryMode"] = new Dictionary<string, string> { ["transportType"] = "WebSocket" } }, until, ct).ConfigureAwait(false);
            ReadSubscription(answer);
            SubscribedAt = _session.Clock.GetUtcNow();
        }

        private void ReadSubscription(JsonElement info)
        {
            _subscriptionId = Json.Str(info, "id") ?? throw new RingCentralProtocolException("The subscription answer has no id.");
            var expiresIn = Json.Long(info, "expiresIn") ?? 900;
            var lifetime = ServerValues.Lifetime("subscription expiresIn", expiresIn);
            _subscriptionExpires = _session.Clock.GetUtcNow() + lifetime;
            // Renewed two minutes ahead, or a third of its life ahead for a short-lived one.
            _renewAhead = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(2).Ticks, lifetime.Ticks / 3));
        }

        private async Task ConnectAsync(bool recover, DateTimeOffset? until, CancellationToken ct)
        {
            var now = _session.Clock.GetUtcNow();
            if (_wsToken == null || now >= _wsTokenExpires)
            {
                using (var doc = await _session.PostForJsonAsync("/restapi/oauth/wstoken", new RequestKind { Group = RateGroup.Auth, Description = "opening the telephony event socket" }, ct).ConfigureAwait(false))
                {
                    var root = doc.RootElement;
                    _wsToken = Json.Str(root, "ws_access_token") ?? throw new RingCentralProtocolException("The wstoken answer has no ws_access_token.");
                    _session.Secrets.Add(_wsToken); // redacted by value wherever a server's words could show it
                    var uri = Json.Str(root, "uri");
                    if (!Uri.TryCreate(uri, UriKind.Absolute, out _wsUri) || (_wsUri.Scheme != "wss" && _wsUri.Scheme != "ws"))
                        throw new RingCentralProtocolException("The wstoken answer has no ws(s) uri.");
                    // As with redirects: the token goes to the session's server and nowhere else: same host and port,
                    // and wss for an https server; or, from RingCentral's own servers, another of RingCentral's hosts over wss.
                    bool RingCentrals(string host) => host.EndsWith(".ringcentral.com", StringComparison.OrdinalIgnoreCase);
                    var server = _session.Server;
                    var strong = _wsUri.Scheme == "wss" || server.Scheme != "https";
                    var same = string.Equals(_wsUri.Host, server.Host, StringComparison.OrdinalIgnoreCase) && _wsUri.Port == server.Port;
                    var ringCentral = RingCentrals(server.Host) && RingCentrals(_wsUri.Host) && _wsUri.Scheme == "wss";
                    if (!strong || !(same || ringCentral))
                        throw new RingCentralRedirectException($"RingCentral's WebSocket gateway was named at {_wsUri.Scheme}://{_wsUri.Host}:{_wsUri.Port}, not the session's server " +
                            $"({server.Scheme}://{server.Host}:{server.Port}, {(server.Scheme == "https" ? "over wss" : "over ws or wss")}); the token was not sent there.", _wsUri);
                    var expires = Json.Long(root, "expires_in") ?? 600;
                    // The SDK reuses a token until 0.8 of its life.
                    _wsTokenExpires = now + TimeSpan.FromSeconds(ServerValues.Lifetime("wstoken expires_in", expires).TotalSeconds * 0.8);
                }
            }
            _socket?.Dispose();
            var address = new Uri(_wsUri + "?access_token=" + Uri.EscapeDataString(_wsToken) + (recover && _wsc != null ? "&wsc=" + Uri.EscapeDataString(_wsc) : ""));
            _socket = await _session.OpenEventSocketAsync(address, until, ct).ConfigureAwait(false);
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
                Reconnects++;
                var recovered = details.body.ValueKind == JsonValueKind.Object && Json.Str(details.body, "recoveryState") == "Successful";
                if (!recovered)
                {
                    RecoveriesFailed++;
                    Gaps++;
                    await OpenAsync(until, ct).ConfigureAwait(false); // a new session: subscribe again
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
                if (_socket == null || !_socket.IsOpen) await ReconnectAsync(until, ct).ConfigureAwait(false);
                else Pump();
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
                        _wsToken = null;
                        await OpenAsync(until, ct).ConfigureAwait(false);
                    }
                }
                return Since(from);
            }
            finally { _gate.Release(); }
        }

        /// <summary>Reopens the socket, unless a failed reconnect's backoff is still running; a failure starts (or lengthens) the backoff.</summary>
        private async Task ReconnectAsync(DateTimeOffset? until, CancellationToken ct)
        {
            var now = _session.Clock.GetUtcNow();
            if (ReconnectAt is DateTimeOffset at && now < at)
                throw new System.Net.Http.HttpRequestException($"The telephony event socket could not be reopened ({_reconnectFailure?.Message}); trying again after {at:HH:mm:ss} UTC.", _reconnectFailure);
            try
            {
                await ConnectAsync(recover: true, until, ct).ConfigureAwait(false);
                ReconnectAt = null;
                _reconnectFailures = 0;
            }
            catch (Exception e) when (Failures.IsReadFailure(e))
            {
                _reconnectFailure = e;
                ReconnectAt = _session.Clock.GetUtcNow() + ReconnectBackoff(_reconnectFailures++);
                throw;
            }
        }

        private (IReadOnlyList<TelephonyEvent> Events, int Next, bool Lost) Since(int from)
        {
            var lost = from < Forgotten;
            var start = Math.Max(from, Forgotten) - Forgotten;
            var events = start >= _log.Count ? (IReadOnlyList<TelephonyEvent>)Array.Empty<TelephonyEvent>() : _log.GetRange(start, _log.Count - start);
            return (events, Forgotten + _log.Count, lost);
        }

        /// <summary>The position of the first event that arrived at or after <paramref name="since"/> (on the session's clock): where a wait that began following calls then starts reading.</summary>
        public async Task<int> PositionAtAsync(DateTimeOffset since, CancellationToken ct)
        {
            await _gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                Pump();
                int lo = 0, hi = _arrived.Count;
                while (lo < hi)
                {
                    var mid = (lo + hi) / 2;
                    if (_arrived[mid] < since) lo = mid + 1; else hi = mid;
                }
                return Forgotten + lo;
            }
            finally { _gate.Release(); }
        }

        private void Keep(TelephonyEvent e)
        {
            _log.Add(e);
            _arrived.Add(_session.Clock.GetUtcNow());
            if (_log.Count <= MaxEvents) return;
            var drop = _log.Count / 2;
            _log.RemoveRange(0, drop);
            _arrived.RemoveRange(0, drop);
            Forgotten += drop;
        }

        /// <summary>How many times events may have been lost (a failed recovery, an expired subscription): a wait that saw a smaller number polls what it follows.</summary>
        public int Gaps { get; private set; }

        /// <summary>Reads what the socket has, keeping the latest wsc and queueing the events.</summary>
        private List<(string? type, string? messageId, int status, JsonElement body, string raw)> Pump()
        {
            var other = new List<(string?, string?, int, JsonElement, string)>();
            if (_socket == null) return other;
            foreach (var text in _socket.Drain())
            {
                JsonElement root;
                try { using (var doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64 })) root = doc.RootElement.Clone(); }
                catch (JsonException) { continue; }
                if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() == 0) continue;
                var meta = root[0];
                if (meta.ValueKind != JsonValueKind.Object) continue; // [42], ["x",{}]: not a message we could read
                var body = root.GetArrayLength() > 1 ? root[1] : default;
                // The latest wsc (the highest sequence) is the one to recover with; a replayed message carries an older one.
                var wsc = Json.Obj(meta, "wsc");
                if (Json.Long(wsc, "sequence") is long sequence && (sequence > _wscSequence || Json.Str(meta, "type") == "ConnectionDetails"))
                {
                    _wsc = Json.Str(wsc, "token") ?? _wsc;
                    _wscSequence = sequence;
                }
                var type = Json.Str(meta, "type");
                if (type == "ServerNotification")
                {
                    // An event body that is not an object (5, "x") tells nothing: not kept.
                    if (Json.Str(body, "subscriptionId") == _subscriptionId && Json.Obj(body, "body") is var ev && ev.ValueKind == JsonValueKind.Object)
                        Keep(ReadEvent(ev));
                    continue;
                }
                var status = Json.Int(meta, "status") ?? 0;
                other.Add((type, Json.Str(meta, "messageId"), status, body, _session.Secrets.Redact(text)));
            }
            return other;
        }

        /// <summary>
        /// Waits, on the session's clock, for the first message that <paramref name="match"/> takes: at most
        /// <see cref="AnswerTimeout"/>, and never past <paramref name="until"/> (the wait's -Timeout bounds every step).
        /// </summary>
        private async Task<(string? type, string? messageId, int status, JsonElement body, string raw)> AwaitMessageAsync(
            Func<(string? type, string? messageId, int status, JsonElement body, string raw), bool> match, DateTimeOffset? until, CancellationToken ct)
        {
            var clock = _session.Clock;
            var limit = clock.GetUtcNow() + AnswerTimeout;
            if (until is DateTimeOffset u && u < limit) limit = u;
            while (true)
            {
                var found = Pump().Where(match).ToList();
                if (found.Count > 0) return found[0];
                if (_socket == null || !_socket.IsOpen) throw new System.Net.Http.HttpRequestException("RingCentral's WebSocket gateway closed the socket before it answered.");
                if (clock.GetUtcNow() >= limit) throw new TimeoutException("RingCentral's WebSocket gateway did not answer in time.");
                await clock.Delay(AnswerPoll, ct).ConfigureAwait(false);
            }
        }

        private async Task<JsonElement> RequestAsync(string method, string path, object? body, DateTimeOffset? until, CancellationToken ct)
        {
            var id = Guid.NewGuid().ToString();
            var meta = new Dictionary<string, object> { ["type"] = "ClientRequest", ["messageId"] = id, ["method"] = method, ["path"] = path };
            var message = body == null ? new object[] { meta } : new[] { meta, body };
            // RingCentral charges the subscription's requests to its Medium group, over the socket as over REST.
            var slot = await _session.Budget.TakeAsync(RateGroup.Medium, ct).ConfigureAwait(false);
            await SendAsync(message, ct).ConfigureAwait(false);
            var answer = await AwaitMessageAsync(m => m.messageId == id, until, ct).ConfigureAwait(false);
            await _session.Budget.AnsweredAsync(RateGroup.Medium, slot, ct).ConfigureAwait(false);
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

        internal static TelephonyEvent ReadEvent(JsonElement e)
        {
            var parties = new List<TelephonyParty>();
            var list = Json.Arr(e, "parties");
            if (list.ValueKind == JsonValueKind.Array)
                foreach (var p in list.EnumerateArray())
                {
                    if (p.ValueKind != JsonValueKind.Object) continue;
                    var status = Json.Obj(p, "status");
                    parties.Add(new TelephonyParty
                    {
                        To = Json.Str(Json.Obj(p, "to"), "phoneNumber"),
                        Code = Json.Str(status, "code"),
                        Reason = Json.Str(status, "reason"),
                    });
                }
            return new TelephonyEvent
            {
                TelephonySessionId = Json.Str(e, "telephonySessionId"),
                SessionId = Json.IdString(e, "sessionId"),
                Sequence = Json.Long(e, "sequence") ?? 0,
                EventTime = DateTimeOffset.TryParse(Json.Str(e, "eventTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : DateTimeOffset.MinValue,
                Origin = Json.Str(Json.Obj(e, "origin"), "type"),
                Parties = parties,
            };
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

    /// <summary>The network socket: a ClientWebSocket whose messages are read in the background into a queue.</summary>
    internal sealed class NetworkEventSocket : IEventSocket
    {
        private readonly ClientWebSocket _ws = new ClientWebSocket();
        private readonly ConcurrentQueue<string> _in = new ConcurrentQueue<string>();
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        internal static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);
        /// <summary>The most text held unread (16 M characters): four of the largest messages.</summary>
        internal const long MaxQueuedChars = 16L * 1024 * 1024;
        private long _queued;

        public static Task<IEventSocket> ConnectAsync(Uri address, CancellationToken ct) => ConnectAsync(address, ConnectTimeout, ct);

        /// <summary>Connects within <paramref name="timeout"/> (a real socket: on the real clock), or fails with a <see cref="TimeoutException"/>, leaving nothing open behind.</summary>
        public static async Task<IEventSocket> ConnectAsync(Uri address, TimeSpan timeout, CancellationToken ct)
        {
            var socket = new NetworkEventSocket();
            try
            {
                // Bounded: a black-holed gateway would otherwise stall every round for the OS's TCP timeout.
                using (var limit = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    limit.CancelAfter(timeout);
                    try { await socket._ws.ConnectAsync(address, limit.Token).ConfigureAwait(false); }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        throw new TimeoutException($"RingCentral's WebSocket gateway did not accept the connection within {timeout.TotalSeconds:0.#} s.");
                    }
                }
            }
            catch
            {
                socket.Dispose(); // the socket and its CancellationTokenSource are not left behind
                throw;
            }
            _ = socket.ReceiveLoopAsync();
            return socket;
        }

        private async Task ReceiveLoopAsync()
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (_ws.State == WebSocketState.Open)
                {
                    using (var message = new System.IO.MemoryStream())
                    {
                        WebSocketReceiveResult result;
                        do
                        {
                            result = await _ws.ReceiveAsync(new ArraySegment<byte>(buffer), _stop.Token).ConfigureAwait(false);
                            // A Close, or a message past the bound every answer has: the socket is ended (aborted), not left
                            // open and deaf, so that the next read reconnects.
                            if (result.MessageType == WebSocketMessageType.Close) { _ws.Abort(); return; }
                            message.Write(buffer, 0, result.Count);
                            if (message.Length > 4 * 1024 * 1024) { _ws.Abort(); return; }
                        } while (!result.EndOfMessage);
                        var text = Encoding.UTF8.GetString(message.ToArray());
                        // A Heartbeat tells nothing to keep: not queued (a flood of them while no wait reads grew the process by GBs).
                        if (text.Length < 1024 && text.Contains("\"Heartbeat\"")) continue;
                        // Messages not read are bounded too: past it, the socket is ended, and the next read reconnects
                        // with recovery (what was lost is a gap, which the wait polls for).
                        if (Interlocked.Add(ref _queued, text.Length) > MaxQueuedChars) { _ws.Abort(); return; }
                        _in.Enqueue(text);
                    }
                }
            }
            catch (Exception e) when (e is WebSocketException || e is OperationCanceledException || e is ObjectDisposedException) { }
        }

        public bool IsOpen => _ws.State == WebSocketState.Open;

        public Task SendAsync(string text, CancellationToken cancellationToken) =>
            _ws.SendAsync(new ArraySegment<byte>(Encoding.UTF8.GetBytes(text)), WebSocketMessageType.Text, true, cancellationToken);

        /// <summary>Sends a Close frame (a normal closure) and waits, bounded by <paramref name="ct"/>, for the server's.</summary>
        public async Task CloseAsync(CancellationToken ct)
        {
            try
            {
                if (_ws.State == WebSocketState.Open) await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "disconnected", ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException || e is OperationCanceledException || e is ObjectDisposedException) { }
        }

        public IReadOnlyList<string> Drain()
        {
            var list = new List<string>();
            while (_in.TryDequeue(out var s)) { list.Add(s); Interlocked.Add(ref _queued, -s.Length); }
            return list;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _ws.Dispose();
            _stop.Dispose();
        }
    }
}
