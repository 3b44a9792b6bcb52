using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RingOut.Emulator
{
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

    /// <summary>
    /// One socket of the emulated WebSocket gateway. The host carries text both ways: <see cref="Receive"/> for what
    /// the client sent, <see cref="TakeOutgoing"/> for what to send (answers, heartbeats, and the telephony events
    /// due by the emulator's clock), and <see cref="Close"/> when the connection ends.
    /// </summary>
    public sealed class EmulatedSocket
    {
        private readonly WebSocketGateway _gateway;
        private readonly WsState? _state;
        private readonly Queue<string> _out = new Queue<string>();
        private readonly object _gate = new object();

        internal EmulatedSocket(WebSocketGateway gateway, WsState? state) { _gateway = gateway; _state = state; }

        public bool IsClosed { get; private set; }

        /// <summary>Everything to send now, in order (the queue is emptied), with the telephony events now due.</summary>
        public IReadOnlyList<string> TakeOutgoing()
        {
            _gateway.DropIfDue();
            if (!IsClosed && _state != null && _gateway.SessionOver(_state))
            {
                // A WebSocket subscription shares its OAuth session, and ends with it: a last Error, then the socket closes.
                Send("Error", null, 401, new JsonObject { ["errorCode"] = "OAU-129", ["message"] = "The OAuth session of this WebSocket has ended (revoked or expired): it gets no more events." });
                Close();
            }
            if (!IsClosed && _state != null)
                foreach (var notification in _gateway.DueNotifications(_state))
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
                    var (status, body) = _gateway.SocketRequest(_state, method, path, message.Count > 1 ? message[1]?.DeepClone() : null);
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
            if (_state != null) _state.ClosedAt = _gateway.Clock.GetUtcNow();
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
                    ["wsc"] = new JsonObject { ["token"] = WebSocketGateway.WscToken(state, sequence), ["sequence"] = sequence },
                };
                var text = (body == null ? new JsonArray(meta) : new JsonArray(meta, body)).ToJsonString();
                // As a hostile gateway would have it (RewriteBody faults): what it did not send, it does not replay either.
                if (!(_gateway.Faults.RewriteMessage(type, text) is string sent)) return;
                _out.Enqueue(sent);
                state.Sent.Add((sequence, sent));
                if (state.Sent.Count > _gateway.Options.WsRecoveryBufferSize) state.Sent.RemoveAt(0);
            }
        }

        internal void Replay(string text) { lock (_gate) _out.Enqueue(text); }
    }
}
