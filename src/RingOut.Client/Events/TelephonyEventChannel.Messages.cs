using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace RingOut.Client
{
    /// <summary>The channel's reading of the socket: its messages, events kept, answers waited for.</summary>
    public sealed partial class TelephonyEventChannel
    {
        /// <summary>Reads what the socket has, keeping the latest wsc and queueing the events.</summary>
        private List<(string? type, string? messageId, int status, JsonElement body, string raw)> Pump()
        {
            var other = new List<(string?, string?, int, JsonElement, string)>();
            if (_socket == null) return other;
            foreach (var text in _socket.Drain())
            {
                // A message past the bound ends the socket, whichever socket brought it (the network one ends itself
                // while receiving; the in-process one does not): what came before it is kept, the next read reconnects.
                if (text.Length > Http.BoundedContent.MaxBytes / 4 && System.Text.Encoding.UTF8.GetByteCount(text) > Http.BoundedContent.MaxBytes)
                {
                    _socket.Dispose();
                    _reconnectFailure = new RingCentralProtocolException($"RingCentral's WebSocket gateway sent a message past {Http.BoundedContent.MaxBytes / (1024 * 1024)} MB, and the socket was ended");
                    ReconnectAt = _session.Clock.GetUtcNow() + ReconnectBackoff(_reconnectFailures++);
                    break;
                }
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
                        _log.Keep(TelephonyEvent.Read(ev), _session.Clock.GetUtcNow());
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
    }
}
