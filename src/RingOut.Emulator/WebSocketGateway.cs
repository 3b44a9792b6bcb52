using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
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
    /// module can carry them in-process (<see cref="OpenSocket"/>). The subscription API, the rate limit and the
    /// events due are the emulator's; the gateway shares its lock.
    /// </summary>
    internal sealed class WebSocketGateway
    {
        private readonly RingCentralEmulator _emulator;
        private readonly object _gate;
        private readonly Dictionary<string, (OAuthSession session, DateTimeOffset expires, string baseUri)> _wsTokens = new Dictionary<string, (OAuthSession, DateTimeOffset, string)>(StringComparer.Ordinal);
        private readonly Dictionary<string, WsState> _wsStates = new Dictionary<string, WsState>(StringComparer.Ordinal);
        private long _nextWs;

        public WebSocketGateway(RingCentralEmulator emulator, object gate) { _emulator = emulator; _gate = gate; }

        internal TimeProvider Clock => _emulator.Clock;
        internal EmulatorOptions Options => _emulator.Options;
        internal FaultInjector Faults => _emulator.Faults;

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
            private readonly WebSocketGateway _e;
            public StopDropping(WebSocketGateway e) { _e = e; }
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

        public EmulatorResponse WsToken(EmulatorRequest req, OAuthSession session)
        {
            var token = "RCEMU-WS-" + RingCentralEmulator.RandomToken();
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
                    ["creationTime"] = RingCentralEmulator.Iso(state.CreatedAt),
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

        internal static string WscToken(WsState state, long sequence) => RingCentralEmulator.Base64Url(Encoding.UTF8.GetBytes($"wsc|{state.Id}|{sequence.ToString(CultureInfo.InvariantCulture)}"));

        /// <summary>One ClientRequest over the socket: the subscription API, charged to its operation's group (<see cref="RateGroups"/>).</summary>
        internal (int status, JsonNode? body) SocketRequest(WsState state, string method, string path, JsonNode? body)
        {
            // A request for no operation of the table is refused below, without being counted.
            if (RateGroups.Find(method, path ?? "") is RateGroups.Operation op &&
                _emulator.Limit(state.Session.App.ClientId + "|" + state.Session.User.ExtensionId, op.Group, out _) != null)
                return (429, EmulatorResponse.ErrorBody("CMN-301", "Request rate exceeded"));
            // The socket is authorised by its own token; the OAuth session behind it must still be alive (not revoked, refresh token not expired).
            if (SessionOver(state)) return (401, EmulatorResponse.ErrorBody("OAU-129", "The session behind this WebSocket has ended"));
            var segments = (path ?? "").Split('?')[0].Trim('/').Split('/');
            if (segments.Length < 3 || segments[0] != "restapi" || segments[1] != "v1.0" || segments[2] != "subscription" || segments.Length > 4)
                return (404, EmulatorResponse.ErrorBody("CMN-102", $"Resource for parameter [path] is not found: {RingCentralEmulator.Truncate(path, 200)}"));
            return _emulator.Subscription(state.Session.User, state, state.BaseUri, method, segments.Length == 4 ? segments[3] : null, body);
        }

        /// <summary>Whether the OAuth session behind a socket has ended (revoked, or its refresh token expired): its socket then gets nothing more.</summary>
        internal bool SessionOver(WsState state) => state.Session.Revoked || Clock.GetUtcNow() >= state.Session.RefreshExpires;

        /// <summary>The telephony events due on a socket's subscriptions.</summary>
        internal List<JsonObject> DueNotifications(WsState state) => _emulator.DueNotifications(state);
    }
}
