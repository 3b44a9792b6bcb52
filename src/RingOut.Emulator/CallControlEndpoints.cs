using System;
using System.Text.Json.Nodes;

namespace RingOut.Emulator
{
    /// <summary>
    /// Call Control on a telephony session: read its parties, or end it for every party. Ending a RingOut whose
    /// called party answered is how a connected RingOut is hung up; the RingOut then reads Finished.
    /// </summary>
    public sealed partial class RingCentralEmulator
    {
        private EmulatedCall FindTelephonySession(Route route, OAuthSession session, DateTimeOffset now)
        {
            var me = OwnAccount(route, session);
            EmulatedCall? call;
            lock (_gate) call = _calls.ByTelephonySession(route.CallId, me.AccountId);
            if (call == null || (call.Owner != me && !me.IsAdmin) || now >= call.EndedAt + Options.Retention)
                throw EmulatorError.Rest(404, "TAS-102", $"Telephony session [{Truncate(route.CallId, 60)}] is not found", "telephonySessionId");
            return call;
        }

        private EmulatorResponse TelephonySession(Route route, string method, OAuthSession session)
        {
            var now = Clock.GetUtcNow();
            EmulatedCall call;
            lock (_gate)
            {
                call = FindTelephonySession(route, session, now);
                if (method == "DELETE")
                {
                    if (call.TryCancel(now) || call.TryHangUp(now)) { Statistics.HungUp(); return EmulatorResponse.Empty(204); }
                    throw EmulatorError.Rest(404, "TAS-102", $"Telephony session [{call.TelephonySessionId}] is over", "telephonySessionId");
                }
            }
            return EmulatorResponse.Json(200, SessionBody(call, now));
        }

        /// <summary>The telephony session as Call Control and telephony events show it: origin RingOut, the caller's leg and the callee's.</summary>
        internal static JsonObject SessionBody(EmulatedCall call, DateTimeOffset now)
        {
            var state = call.StateAt(now);
            return new JsonObject
            {
                ["id"] = call.TelephonySessionId,
                ["sessionId"] = call.SessionId,
                ["creationTime"] = Iso(call.CreatedAt),
                ["origin"] = new JsonObject { ["type"] = "RingOut" },
                ["parties"] = new JsonArray(
                    Party(call, "p-1", call.From, PartyStatus(state.CallerStatus, call, now, caller: true)),
                    Party(call, "p-2", call.To, PartyStatus(state.CalleeStatus, call, now, caller: false))),
            };
        }

        private static JsonObject Party(EmulatedCall call, string id, string number, (string code, string? reason) status)
        {
            var s = new JsonObject { ["code"] = status.code };
            if (status.reason != null) s["reason"] = status.reason;
            return new JsonObject
            {
                ["id"] = call.TelephonySessionId + "-" + id,
                ["accountId"] = call.Owner.AccountId,
                ["extensionId"] = call.Owner.ExtensionId,
                ["direction"] = "Outbound",
                ["from"] = new JsonObject { ["phoneNumber"] = id == "p-1" ? call.To : call.From },
                ["to"] = new JsonObject { ["phoneNumber"] = number },
                ["status"] = s,
                ["missedCall"] = false,
                ["standAlone"] = false,
                ["muted"] = false,
            };
        }

        /// <summary>A leg's RingOut status as a telephony party status: Setup/Proceeding while ringing, Answered, Disconnected with a reason.</summary>
        private static (string code, string? reason) PartyStatus(string ringOutStatus, EmulatedCall call, DateTimeOffset now, bool caller)
        {
            switch (ringOutStatus)
            {
                case "InProgress":
                    return caller || now > call.CreatedAt ? ("Proceeding", null) : ("Setup", null);
                case "Success": return ("Answered", null);
                case "Finished": return ("Disconnected", call.HungUpAt != null ? "CallDropped" : "CallFinished");
                case "Busy": return ("Disconnected", "TargetBusy");
                case "NoAnswer": return ("Disconnected", "NoAnswer");
                case "Rejected": return ("Disconnected", call.CancelledAt != null ? "Cancelled" : "Rejected");
                case "InternationalDisabled": return ("Disconnected", "InternationalDisabled");
                default: return ("Disconnected", "InternalError");
            }
        }
    }
}
