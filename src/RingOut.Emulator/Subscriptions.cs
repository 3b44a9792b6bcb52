using System;
using System.Diagnostics.CodeAnalysis;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace RingOut.Emulator
{
    /// <summary>RingCentral's subscription API (Medium), over a gateway socket's ClientRequest or over HTTP.</summary>
    public sealed partial class RingCentralEmulator
    {
        private readonly Dictionary<string, EmulatedSubscription> _subscriptions = new Dictionary<string, EmulatedSubscription>(StringComparer.Ordinal);

        /// <summary>
        /// The subscription API, over a socket (<paramref name="socket"/> given) or plain HTTP (null): create, read,
        /// renew, delete. A socket carries one subscription: a second create there replaces the first. Over HTTP a
        /// subscription is made for a WebHook (stored, never delivered: the emulator calls no one), and the user's
        /// socket-borne ones can be read, renewed and deleted.
        /// </summary>
        internal (int status, JsonNode? body) Subscription(EmulatedUser user, WsState? socket, string baseUri, string method, string? id, JsonNode? body)
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
                            // What happened while no socket carried it is lost, as on RingCentral when recovery is
                            // refused: the subscription goes on from now.
                            SkipTo(existing, now);
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
}
