using System;
using System.Diagnostics.CodeAnalysis;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RingOut.Emulator
{
    /// <summary>
    /// RingCentral's WebSocket gateway, as its SDKs speak to it (@rc-ex/ws, @ringcentral/subscriptions 5.x):
    /// <c>POST /restapi/oauth/wstoken</c> gives a URI and a token; the socket's first message is ConnectionDetails;
    /// every message is a JSON array <c>[meta, body]</c>; subscriptions are made, renewed and deleted with
    /// ClientRequest messages; telephony session events come as ServerNotification; Heartbeat is answered; a socket
    /// reopened with <c>&amp;wsc=</c> within the recovery timeout keeps its subscriptions and is replayed what it
    /// missed. Transport-free: the loopback server carries the messages over a real WebSocket, and a test or the
    /// module can carry them in-process (<see cref="OpenSocket"/>).
    /// </summary>
    public sealed partial class RingCentralEmulator
    {
        private readonly Dictionary<string, (OAuthSession session, DateTimeOffset expires, string baseUri)> _wsTokens = new Dictionary<string, (OAuthSession, DateTimeOffset, string)>(StringComparer.Ordinal);
        private readonly Dictionary<string, WsState> _wsStates = new Dictionary<string, WsState>(StringComparer.Ordinal);
        private readonly Dictionary<string, EmulatedSubscription> _subscriptions = new Dictionary<string, EmulatedSubscription>(StringComparer.Ordinal);
        private long _nextWs;

        /// <summary>Fault: a socket reopened with its wsc token is not recovered (recoveryState Failed); what it missed is lost.</summary>
        public bool RefuseRecovery { get; set; }

        /// <summary>The sockets open now.</summary>
        public int OpenSockets { get { lock (_gate) return _wsStates.Values.Count(s => s.Socket != null && !s.Socket.IsClosed); } }

        /// <summary>Fault: drops every open socket, as a network failure would; the clients must reconnect.</summary>
        public void DropSockets()
        {
            List<EmulatedSocket> open;
            lock (_gate) open = _wsStates.Values.Select(s => s.Socket).OfType<EmulatedSocket>().Where(s => !s.IsClosed).ToList();
            foreach (var s in open) s.Close();
        }

        private TimeSpan _dropEvery;
        private DateTimeOffset _nextDrop;

        /// <summary>
        /// Fault: drops every open socket every <paramref name="period"/> of the emulator's clock, until disposed. Kept
        /// as a schedule looked at whenever a socket is read, not as a timer, so that it never moves a virtual clock itself.
        /// </summary>
        public IDisposable DropSocketsEvery(TimeSpan period)
        {
            if (period <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(period));
            lock (_gate) { _dropEvery = period; _nextDrop = Clock.GetUtcNow() + period; }
            return new StopDropping(this);
        }

        private sealed class StopDropping : IDisposable
        {
            private readonly RingCentralEmulator _e;
            public StopDropping(RingCentralEmulator e) { _e = e; }
            public void Dispose() { lock (_e._gate) _e._dropEvery = TimeSpan.Zero; }
        }

        /// <summary>Drops the sockets when the schedule says so (see <see cref="DropSocketsEvery"/>).</summary>
        internal void DropIfDue()
        {
            bool drop;
            lock (_gate)
            {
                var now = Clock.GetUtcNow();
                drop = _dropEvery > TimeSpan.Zero && now >= _nextDrop;
                while (_dropEvery > TimeSpan.Zero && _nextDrop <= now) _nextDrop += _dropEvery;
            }
            if (drop) DropSockets();
        }

        private EmulatorResponse WsToken(EmulatorRequest req, OAuthSession session)
        {
            var token = "RCEMU-WS-" + RandomToken();
            lock (_gate) _wsTokens[token] = (session, Clock.GetUtcNow() + Options.WsTokenLifetime, req.BaseUri);
            var baseUri = req.BaseUri.StartsWith("https:", StringComparison.OrdinalIgnoreCase) ? "wss:" + req.BaseUri.Substring(6)
                : req.BaseUri.StartsWith("http:", StringComparison.OrdinalIgnoreCase) ? "ws:" + req.BaseUri.Substring(5) : req.BaseUri;
            return EmulatorResponse.Json(200, new JsonObject
            {
                ["uri"] = baseUri + "/ws",
                ["ws_access_token"] = token,
                ["expires_in"] = (long)Options.WsTokenLifetime.TotalSeconds,
            });
        }

        /// <summary>
        /// Opens one socket for the query string of its URI (<c>access_token=…[&amp;wsc=…]</c>). Its first message,
        /// ConnectionDetails or an Error (after which it is closed), is waiting in <see cref="EmulatedSocket.TakeOutgoing"/>.
        /// </summary>
        public EmulatedSocket OpenSocket(string query)
        {
            var q = Form.Parse(query ?? "");
            var now = Clock.GetUtcNow();
            lock (_gate)
            {
                if (!q.TryGetValue("access_token", out var token) || !_wsTokens.TryGetValue(token, out var issued) || issued.expires <= now || issued.session.Revoked)
                {
                    var refused = new EmulatedSocket(this, null);
                    refused.Refuse(401, "WSG-101", "The WebSocket access token is missing, unknown or expired: POST /restapi/oauth/wstoken for a new one.");
                    return refused;
                }
                string? recovery = null, recoveryError = null;
                WsState? state = null;
                long after = 0;
                if (q.TryGetValue("wsc", out var wsc) && !string.IsNullOrEmpty(wsc))
                {
                    var parsed = ParseWsc(wsc);
                    if (parsed != null && _wsStates.TryGetValue(parsed.Value.state, out var old) && old.Session == issued.session && !RefuseRecovery &&
                        (old.Socket == null || old.Socket.IsClosed) && now - old.ClosedAt <= Options.WsRecoveryTimeout)
                    {
                        state = old;
                        after = parsed.Value.sequence;
                        recovery = "Successful";
                    }
                    else
                    {
                        recovery = "Failed";
                        recoveryError = RefuseRecovery ? "WSG-504" : "WSG-503";
                    }
                }
                if (state == null)
                {
                    state = new WsState { Id = "ws" + (++_nextWs).ToString(CultureInfo.InvariantCulture), Session = issued.session, CreatedAt = now, BaseUri = issued.baseUri };
                    _wsStates[state.Id] = state;
                }
                var socket = new EmulatedSocket(this, state);
                state.Socket = socket;
                var details = new JsonObject
                {
                    ["creationTime"] = Iso(state.CreatedAt),
                    ["maxConnectionsPerSession"] = 5,
                    ["recoveryBufferSize"] = Options.WsRecoveryBufferSize,
                    ["recoveryTimeout"] = (long)Options.WsRecoveryTimeout.TotalSeconds,
                    ["idleTimeout"] = 900,
                    ["absoluteTimeout"] = 86400,
                    ["maxActiveRequests"] = 10,
                };
                if (recovery != null) details["recoveryState"] = recovery;
                if (recoveryError != null) details["recoveryErrorCode"] = recoveryError;
                socket.Send("ConnectionDetails", null, 200, details);
                if (recovery == "Successful")
                    foreach (var missed in state.Sent.Where(m => m.sequence > after).ToList()) socket.Replay(missed.text);
                return socket;
            }
        }

        private static (string state, long sequence)? ParseWsc(string token)
        {
            try
            {
                var text = Encoding.UTF8.GetString(Convert.FromBase64String(token.Replace('-', '+').Replace('_', '/').PadRight((token.Length + 3) / 4 * 4, '=')));
                var parts = text.Split('|');
                if (parts.Length == 3 && parts[0] == "wsc" && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var seq)) return (parts[1], seq);
            }
            catch (FormatException) { }
            return null;
        }

        internal static string WscToken(WsState state, long sequence) => Base64Url(Encoding.UTF8.GetBytes($"wsc|{state.Id}|{sequence.ToString(CultureInfo.InvariantCulture)}"));

        /// <summary>One ClientRequest over the socket: the subscription API (Medium).</summary>
        internal (int status, JsonNode? body) SocketRequest(WsState state, string method, string path, JsonNode? body)
        {
            var limited = Limit(state.Session.App.ClientId + "|" + state.Session.User.ExtensionId, UsagePlanGroup.Medium, out _);
            if (limited != null) return (429, ErrorBody("CMN-301", "Request rate exceeded"));
            // The socket is authorised by its own token; the OAuth session behind it must still be alive (not revoked, refresh token not expired).
            if (SessionOver(state)) return (401, ErrorBody("OAU-129", "The session behind this WebSocket has ended"));
            var segments = (path ?? "").Split('?')[0].Trim('/').Split('/');
            if (segments.Length < 3 || segments[0] != "restapi" || segments[1] != "v1.0" || segments[2] != "subscription" || segments.Length > 4)
                return (404, ErrorBody("CMN-102", $"Resource for parameter [path] is not found: {Truncate(path, 200)}"));
            return Subscription(state.Session.User, state, state.BaseUri, method, segments.Length == 4 ? segments[3] : null, body);
        }

        /// <summary>Whether the OAuth session behind a socket has ended (revoked, or its refresh token expired): its socket then gets nothing more.</summary>
        internal bool SessionOver(WsState state) => state.Session.Revoked || Clock.GetUtcNow() >= state.Session.RefreshExpires;

        /// <summary>
        /// The subscription API, over a socket (<paramref name="socket"/> given) or plain HTTP (null): create, read,
        /// renew, delete. A socket carries one subscription: a second create there replaces the first. Over HTTP a
        /// subscription is made for a WebHook (stored, never delivered: the emulator calls no one), and the user's
        /// socket-borne ones can be read, renewed and deleted.
        /// </summary>
        private (int status, JsonNode? body) Subscription(EmulatedUser user, WsState? socket, string baseUri, string method, string? id, JsonNode? body)
        {
            var now = Clock.GetUtcNow();
            lock (_gate)
            {
                if (id == null)
                {
                    if (method != "POST") return (405, ErrorBody("CMN-101", "Method not allowed"));
                    if (!TryFilters(body, user, out var filters, out var error)) return (400, ErrorBody("SUB-406", error));
                    var transport = body?["deliveryMode"]?["transportType"] is JsonValue tv && tv.TryGetValue<string>(out var t) ? t : null;
                    string? address = null;
                    if (socket == null)
                    {
                        address = body?["deliveryMode"]?["address"] is JsonValue av && av.TryGetValue<string>(out var a) ? a : null;
                        if (transport != "WebHook")
                            return (400, ErrorBody("CMN-101", "Parameter [deliveryMode.transportType] value is invalid: over HTTP a subscription is made for a WebHook (a WebSocket one is made over its socket)", "deliveryMode.transportType"));
                        if (!Uri.TryCreate(address, UriKind.Absolute, out _))
                            return (400, ErrorBody("CMN-101", "Parameter [deliveryMode.address] is required: an absolute URI", "deliveryMode.address"));
                    }
                    else if (transport != null && transport != "WebSocket")
                        return (400, ErrorBody("CMN-101", "Parameter [deliveryMode.transportType] value is invalid: a socket carries WebSocket subscriptions", "deliveryMode.transportType"));
                    var sub = new EmulatedSubscription
                    {
                        Id = Guid.NewGuid().ToString(), Filters = filters, CreatedAt = now, ExpiresAt = now + Options.SubscriptionLifetime, State = socket, Owner = user,
                        BaseUri = baseUri, Address = address,
                    };
                    if (socket != null)
                    {
                        foreach (var replaced in socket.Subscriptions) { replaced.Deleted = true; _subscriptions.Remove(replaced.Id); }
                        socket.Subscriptions.Clear();
                        socket.Subscriptions.Add(sub);
                    }
                    _subscriptions[sub.Id] = sub;
                    return (200, SubscriptionInfo(sub, now));
                }
                if (!_subscriptions.TryGetValue(id, out var existing) || existing.Owner != user || existing.Deleted || existing.ExpiresAt <= now)
                    return (404, ErrorBody("CMN-102", $"Resource for parameter [subscriptionId] is not found", "subscriptionId"));
                switch (method)
                {
                    case "GET": return (200, SubscriptionInfo(existing, now));
                    case "PUT":
                        if (body != null && body["eventFilters"] != null)
                        {
                            if (!TryFilters(body, user, out var filters, out var error)) return (400, ErrorBody("SUB-406", error));
                            existing.Filters = filters;
                        }
                        existing.ExpiresAt = now + Options.SubscriptionLifetime;
                        if (socket != null && existing.State != null && existing.State != socket)
                        {
                            existing.State.Subscriptions.Remove(existing);
                            existing.State = socket;
                            foreach (var replaced in socket.Subscriptions) { replaced.Deleted = true; _subscriptions.Remove(replaced.Id); }
                            socket.Subscriptions.Clear();
                            socket.Subscriptions.Add(existing);
                        }
                        return (200, SubscriptionInfo(existing, now));
                    case "DELETE":
                        existing.Deleted = true;
                        existing.State?.Subscriptions.Remove(existing);
                        _subscriptions.Remove(existing.Id);
                        return (204, null);
                    default: return (405, ErrorBody("CMN-101", "Method not allowed"));
                }
            }
        }

        /// <summary>The subscription API over plain HTTP (POST/GET/PUT/DELETE /restapi/v1.0/subscription[/{id}]).</summary>
        private EmulatorResponse HttpSubscription(EmulatorRequest req, Route route, string method, OAuthSession session)
        {
            var body = method == "POST" || method == "PUT" ? JsonObjectBody(req) : null;
            var (status, answer) = Subscription(session.User, null, req.BaseUri, method, route.CallId, body);
            return answer == null ? EmulatorResponse.Empty(status) : EmulatorResponse.Json(status, answer);
        }

        /// <summary>The event filters asked for, with ~ made the user's ids: telephony sessions of the user's own extension (the emulator knows no others).</summary>
        private static bool TryFilters(JsonNode? body, EmulatedUser user, [NotNullWhen(true)] out string[]? filters, [NotNullWhen(false)] out string? error)
        {
            filters = null;
            error = null;
            if (!(body?["eventFilters"] is JsonArray list) || list.Count == 0) { error = "Parameter [eventFilters] is required"; return false; }
            var result = new List<string>();
            foreach (var item in list)
            {
                var text = item is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
                var parts = (text ?? "").Trim('/').Split('/');
                var ok = parts.Length == 8 && parts[0] == "restapi" && parts[1] == "v1.0" && parts[2] == "account" && user.IsOwnAccount(parts[3]) &&
                         parts[4] == "extension" && user.IsOwnExtension(parts[5]) && parts[6] == "telephony" && parts[7] == "sessions";
                if (!ok) { error = $"Event filter [{Truncate(text, 200)}] is not supported: the emulator sends /restapi/v1.0/account/~/extension/~/telephony/sessions"; return false; }
                result.Add($"/restapi/v1.0/account/{user.AccountId}/extension/{user.ExtensionId}/telephony/sessions");
            }
            filters = result.Distinct().ToArray();
            return true;
        }

        private static JsonObject SubscriptionInfo(EmulatedSubscription sub, DateTimeOffset now) => new JsonObject
        {
            ["uri"] = $"{sub.BaseUri}/restapi/v1.0/subscription/{sub.Id}",
            ["id"] = sub.Id,
            ["creationTime"] = Iso(sub.CreatedAt),
            ["status"] = "Active",
            ["eventFilters"] = new JsonArray(sub.Filters.Select(f => (JsonNode)f).ToArray()),
            ["disabledFilters"] = new JsonArray(),
            ["expirationTime"] = Iso(sub.ExpiresAt),
            ["expiresIn"] = (long)Math.Max(0, (sub.ExpiresAt - now).TotalSeconds),
            ["deliveryMode"] = sub.Address == null
                ? new JsonObject { ["transportType"] = "WebSocket", ["encryption"] = false }
                : new JsonObject { ["transportType"] = "WebHook", ["address"] = sub.Address, ["encryption"] = false },
        };

        private static JsonObject ErrorBody(string code, string message, string? parameterName = null) => EmulatorResponse.ErrorBody(code, message, parameterName);

        /// <summary>The telephony events of the state's subscriptions that are due at the clock's time and not yet sent.</summary>
        internal List<JsonObject> DueNotifications(WsState state)
        {
            var now = Clock.GetUtcNow();
            var result = new List<JsonObject>();
            lock (_gate)
            {
                foreach (var sub in state.Subscriptions.ToList())
                {
                    if (sub.Deleted) continue;
                    var until = now < sub.ExpiresAt ? now : sub.ExpiresAt;
                    foreach (var call in _calls.Values.Where(c => c.Owner == sub.Owner && !sub.Done.Contains(c.Id) && c.CreatedAt <= until))
                    {
                        var events = Events(call);
                        sub.Sent.TryGetValue(call.Id, out var sent);
                        for (var i = sent; i < events.Count && events[i].at <= until; i++)
                        {
                            if (events[i].at < sub.CreatedAt) { sent = i + 1; continue; } // before the subscription: never sent
                            result.Add(new JsonObject
                            {
                                ["uuid"] = Guid.NewGuid().ToString(),
                                ["event"] = sub.Filters[0],
                                ["timestamp"] = Iso(now),
                                ["subscriptionId"] = sub.Id,
                                ["ownerId"] = sub.Owner.ExtensionId,
                                ["body"] = events[i].body,
                            });
                            sent = i + 1;
                        }
                        sub.Sent[call.Id] = sent;
                        if (sent == events.Count && now >= call.EndedAt) sub.Done.Add(call.Id);
                    }
                }
            }
            return result;
        }

        /// <summary>A call's telephony events: one at each moment a party's status changes, numbered by sequence.</summary>
        private static List<(DateTimeOffset at, JsonObject body)> Events(EmulatedCall call)
        {
            var events = new List<(DateTimeOffset, JsonObject)>();
            string? last = null;
            foreach (var at in call.ChangePoints())
            {
                var session = SessionBody(call, at);
                var parties = (JsonArray)session["parties"]!;
                var key = string.Join("|", parties.Select(p => p?["status"]?.ToJsonString()));
                if (key == last) continue;
                last = key;
                events.Add((at, new JsonObject
                {
                    ["sequence"] = events.Count + 1,
                    ["sessionId"] = call.SessionId,
                    ["telephonySessionId"] = call.TelephonySessionId,
                    ["serverId"] = "emulator.ringout",
                    ["eventTime"] = Iso(at),
                    ["origin"] = new JsonObject { ["type"] = "RingOut" },
                    ["parties"] = parties.DeepClone(),
                }));
            }
            return events;
        }
    }

    /// <summary>One WebSocket session of the gateway (what a wsc token names): it outlives a dropped socket for the recovery timeout.</summary>
    internal sealed class WsState
    {
        public required string Id, BaseUri;
        public required OAuthSession Session;
        public DateTimeOffset CreatedAt, ClosedAt;
        public long Sequence;
        public EmulatedSocket? Socket;
        public readonly List<EmulatedSubscription> Subscriptions = new List<EmulatedSubscription>();
        /// <summary>The last messages sent, by sequence, to replay on recovery.</summary>
        public readonly List<(long sequence, string text)> Sent = new List<(long, string)>();
    }

    internal sealed class EmulatedSubscription
    {
        public required string Id;
        public required string[] Filters;
        public DateTimeOffset CreatedAt, ExpiresAt;
        /// <summary>The socket that carries it; null for one made over HTTP (a WebHook's).</summary>
        public required WsState? State;
        public required EmulatedUser Owner;
        public required string BaseUri;
        /// <summary>A WebHook's address (never called); null for a WebSocket subscription.</summary>
        public string? Address;
        public bool Deleted;
        /// <summary>How many of each call's events were sent; calls whose every event was sent.</summary>
        public readonly Dictionary<long, int> Sent = new Dictionary<long, int>();
        public readonly HashSet<long> Done = new HashSet<long>();
    }

    /// <summary>
    /// One socket of the emulated WebSocket gateway. The host carries text both ways: <see cref="Receive"/> for what
    /// the client sent, <see cref="TakeOutgoing"/> for what to send (answers, heartbeats, and the telephony events
    /// due by the emulator's clock), and <see cref="Close"/> when the connection ends.
    /// </summary>
    public sealed class EmulatedSocket
    {
        private readonly RingCentralEmulator _emulator;
        private readonly WsState? _state;
        private readonly Queue<string> _out = new Queue<string>();
        private readonly object _gate = new object();

        internal EmulatedSocket(RingCentralEmulator emulator, WsState? state) { _emulator = emulator; _state = state; }

        public bool IsClosed { get; private set; }

        /// <summary>Everything to send now, in order (the queue is emptied), with the telephony events now due.</summary>
        public IReadOnlyList<string> TakeOutgoing()
        {
            _emulator.DropIfDue();
            if (!IsClosed && _state != null && _emulator.SessionOver(_state))
            {
                // A WebSocket subscription shares its OAuth session, and ends with it: a last Error, then the socket closes.
                Send("Error", null, 401, new JsonObject { ["errorCode"] = "OAU-129", ["message"] = "The OAuth session of this WebSocket has ended (revoked or expired): it gets no more events." });
                Close();
            }
            if (!IsClosed && _state != null)
                foreach (var notification in _emulator.DueNotifications(_state))
                    Send("ServerNotification", null, 200, notification);
            lock (_gate)
            {
                var all = _out.ToArray();
                _out.Clear();
                return all;
            }
        }

        /// <summary>One message from the client: a ClientRequest or a Heartbeat. Anything else is answered with an Error.</summary>
        public void Receive(string text)
        {
            if (IsClosed || _state == null) return;
            JsonArray? message;
            try { message = JsonNode.Parse(text) as JsonArray; }
            catch (JsonException) { message = null; }
            var meta = message?.Count > 0 ? message[0] as JsonObject : null;
            var type = meta?["type"] is JsonValue t && t.TryGetValue<string>(out var s) ? s : null;
            var messageId = meta?["messageId"] is JsonValue m && m.TryGetValue<string>(out var id) ? id : null;
            switch (type)
            {
                case "Heartbeat":
                    Send("Heartbeat", messageId, 200, null);
                    return;
                case "ClientRequest" when message != null && message.Count > 1 && message[1] == null:
                    // As RingCentral's gateway does: a body sent as JSON null (a DELETE as [meta, null]) is refused; send [meta] alone.
                    Send("Error", messageId, 400, new JsonObject { ["errorCode"] = "WSG-808", ["message"] = "Expected either '{' opening an object body or '\"' opening a string body but was another character" });
                    return;
                case "ClientRequest" when meta != null && message != null:
                    var method = (meta["method"] is JsonValue mv && mv.TryGetValue<string>(out var ms) ? ms : "GET").ToUpperInvariant();
                    var path = meta["path"] is JsonValue pv && pv.TryGetValue<string>(out var ps) ? ps : "";
                    var (status, body) = _emulator.SocketRequest(_state, method, path, message.Count > 1 ? message[1]?.DeepClone() : null);
                    Send("ClientRequest", messageId, status, body);
                    return;
                default:
                    Send("Error", messageId, 400, new JsonObject { ["errorCode"] = "WSG-400", ["message"] = "The message is not a JSON array [meta, body] of a known type" });
                    return;
            }
        }

        /// <summary>The connection ended (the client closed it, or it was dropped): its session waits for recovery.</summary>
        public void Close()
        {
            if (IsClosed) return;
            IsClosed = true;
            if (_state != null) _state.ClosedAt = _emulator.Clock.GetUtcNow();
        }

        internal void Refuse(int status, string code, string message)
        {
            lock (_gate)
                _out.Enqueue(new JsonArray(
                    new JsonObject { ["type"] = "Error", ["messageId"] = Guid.NewGuid().ToString(), ["status"] = status, ["headers"] = new JsonObject { ["RCRequestId"] = Guid.NewGuid().ToString() } },
                    new JsonObject { ["errorCode"] = code, ["message"] = message }).ToJsonString());
            IsClosed = true;
        }

        internal void Send(string type, string? messageId, int status, JsonNode? body)
        {
            var state = _state ?? throw new InvalidOperationException("A refused socket sends nothing but its refusal.");
            lock (_gate)
            {
                var sequence = ++state.Sequence;
                var meta = new JsonObject
                {
                    ["type"] = type,
                    ["messageId"] = messageId ?? Guid.NewGuid().ToString(),
                    ["status"] = status,
                    ["headers"] = new JsonObject { ["RCRequestId"] = Guid.NewGuid().ToString(), ["Content-Type"] = "application/json" },
                    ["wsc"] = new JsonObject { ["token"] = RingCentralEmulator.WscToken(state, sequence), ["sequence"] = sequence },
                };
                var text = (body == null ? new JsonArray(meta) : new JsonArray(meta, body)).ToJsonString();
                _out.Enqueue(text);
                state.Sent.Add((sequence, text));
                if (state.Sent.Count > _emulator.Options.WsRecoveryBufferSize) state.Sent.RemoveAt(0);
            }
        }

        internal void Replay(string text) { lock (_gate) _out.Enqueue(text); }
    }
}
