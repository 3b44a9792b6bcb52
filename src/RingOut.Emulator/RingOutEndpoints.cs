using System;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RingOut.Emulator
{
    /// <summary>The RingOut endpoints: create, read and cancel a call, driven by its scripted state machine.</summary>
    public sealed partial class RingCentralEmulator
    {
        private EmulatorResponse CreateRingOut(EmulatorRequest req, Route route, EmulatedUser user)
        {
            var body = JsonObjectBody(req);
            var to = PhoneField(body, "to");
            string from;
            // The spec makes from required: a missing one is refused as a missing to is (no default stands in).
            if (body["from"] is JsonObject fo && fo["forwardingNumberId"] != null)
            {
                var id = StringValue(fo["forwardingNumberId"]);
                from = user.ForwardingNumbers.FirstOrDefault(f => f.Id == id)?.PhoneNumber
                       ?? throw EmulatorError.Rest(400, "CMN-101", "Parameter [from.forwardingNumberId] value is invalid: no such forwarding number", "from.forwardingNumberId");
            }
            else
            {
                from = PhoneField(body, "from");
            }
            if (body["callerId"] != null)
            {
                var callerId = PhoneField(body, "callerId");
                if (!user.PhoneNumbers.Any(n => n.CallerId && n.PhoneNumber == ScenarioNumbers.Canonical(callerId)))
                    throw EmulatorError.Rest(400, "CMN-101", "Parameter [callerId.phoneNumber] value is invalid: not one of the extension's caller ID numbers", "callerId.phoneNumber");
            }
            var playPrompt = false;
            if (body["playPrompt"] != null)
            {
                if (body["playPrompt"] is JsonValue pv && pv.TryGetValue<bool>(out var b)) playPrompt = b;
                else throw EmulatorError.Rest(400, "CMN-101", "Parameter [playPrompt] value is invalid", "playPrompt");
            }
            if (body["country"] != null && !(body["country"] is JsonObject))
                throw EmulatorError.Rest(400, "CMN-101", "Parameter [country] value is invalid", "country");

            EmulatedCall call;
            lock (_gate) call = _calls.Place(user, ScenarioNumbers.Canonical(from), ScenarioNumbers.Canonical(to), playPrompt, Clock.GetUtcNow(), Options);
            Statistics.CallCreated();
            return CallResponse(req, call, call.StateAt(call.CreatedAt));
        }

        /// <summary>A request's JSON object body: 415 for another Content-Type, 400 for anything but a JSON object.</summary>
        private static JsonObject JsonObjectBody(EmulatorRequest req)
        {
            var ct = req.Header("Content-Type") ?? "";
            if (!ct.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
                throw EmulatorError.Rest(415, "CMN-104", "Unsupported Content-Type: send application/json");
            JsonNode? root;
            try
            {
                root = JsonNode.Parse(req.Body, documentOptions: new JsonDocumentOptions { MaxDepth = 32 });
            }
            catch (Exception e) when (e is JsonException || e is ArgumentException || e is InvalidOperationException)
            {
                throw EmulatorError.Rest(400, "CMN-103", "Cannot parse the request body as JSON");
            }
            return root as JsonObject ?? throw EmulatorError.Rest(400, "CMN-104", "The request body must be a JSON object");
        }

        private static string? StringValue(JsonNode? node)
        {
            if (node is JsonValue v)
            {
                if (v.TryGetValue<string>(out var s)) return s;
                if (v.TryGetValue<long>(out var l)) return l.ToString(CultureInfo.InvariantCulture);
            }
            return null;
        }

        /// <summary>A required {phoneNumber} field, E.164.</summary>
        private static string PhoneField(JsonObject body, string name)
        {
            var node = body[name];
            if (node == null)
                throw EmulatorError.Rest(400, "CMN-101", $"Parameter [{name}.phoneNumber] is required", name + ".phoneNumber");
            if (!(node is JsonObject obj))
                throw EmulatorError.Rest(400, "CMN-101", $"Parameter [{name}] value is invalid: expected an object with phoneNumber", name);
            var number = obj["phoneNumber"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            if (number is null || number.Trim().Length == 0)
                throw EmulatorError.Rest(400, "CMN-101", $"Parameter [{name}.phoneNumber] value is empty or missing", name + ".phoneNumber");
            if (!E164.IsMatch(number))
                throw EmulatorError.Rest(400, "CMN-101", $"Parameter [{name}.phoneNumber] value is invalid: not an E.164 number", name + ".phoneNumber");
            return number;
        }

        private EmulatedCall FindCall(Route route, EmulatedUser user, DateTimeOffset now)
        {
            EmulatedCall? call;
            lock (_gate) call = _calls.ByRingOutId(route.CallId);
            if (call == null || call.Owner != user || call.StateAt(now).Gone)
                throw EmulatorError.Rest(404, "CMN-102", $"Resource for parameter [ringoutId] is not found", "ringoutId");
            return call;
        }

        private EmulatorResponse GetRingOut(EmulatorRequest req, Route route, EmulatedUser user)
        {
            var now = Clock.GetUtcNow();
            var call = FindCall(route, user, now);
            return CallResponse(req, call, call.StateAt(now));
        }

        private EmulatorResponse DeleteRingOut(Route route, EmulatedUser user)
        {
            var now = Clock.GetUtcNow();
            EmulatedCall call;
            lock (_gate)
            {
                call = FindCall(route, user, now);
                if (call.TryCancel(now)) return EmulatorResponse.Empty(204);
            }
            var state = call.StateAt(now);
            var why = call.CancelledAt != null ? "it was cancelled already"
                : state.CalleeStatus == "Success" || state.CallStatus == "Success" ? "the called party has answered; use Call Control to end a connected call"
                : "it is over";
            return EmulatorResponse.Error(400, "RON-101", $"RingOut {call.Id} cannot be cancelled: {why}. A RingOut can be cancelled only while the called party is still being rung.");
        }

        private static EmulatorResponse CallResponse(EmulatorRequest req, EmulatedCall call, CallState state) =>
            EmulatorResponse.Json(200, new JsonObject
            {
                ["id"] = call.Id, // a JSON number, as the real server sends
                ["uri"] = $"{ExtensionUri(req, call.Owner)}/ringout/{call.Id}", // the legacy segment, as the real server sends
                ["status"] = new JsonObject
                {
                    ["callStatus"] = state.CallStatus,
                    ["callerStatus"] = state.CallerStatus,
                    ["calleeStatus"] = state.CalleeStatus,
                },
            });
    }
}
