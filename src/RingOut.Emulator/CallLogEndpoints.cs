using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json.Nodes;

namespace RingOut.Emulator
{
    /// <summary>
    /// The call log and the active calls of an extension: what RingCentral remembers of a call once the RingOut
    /// resource is gone. A call's record appears <see cref="EmulatorOptions.CallLogLag"/> after it ends, and carries
    /// the telephony and legacy session ids, never the RingOut id.
    /// </summary>
    public sealed partial class RingCentralEmulator
    {
        private EmulatorResponse CallLog(EmulatorRequest req, EmulatedUser user)
        {
            var q = Form.Parse(req.Query);
            var now = Clock.GetUtcNow();
            var from = DateParameter(q, "dateFrom") ?? now.AddDays(-1); // RingCentral's default: the last 24 hours
            var to = DateParameter(q, "dateTo") ?? now;
            if (q.TryGetValue("type", out var type) && type != "Voice" && type != "Fax")
                throw EmulatorError.Rest(400, "CMN-101", "Parameter [type] value is invalid", "type");
            q.TryGetValue("telephonySessionId", out var tsid);
            q.TryGetValue("sessionId", out var sid);
            q.TryGetValue("phoneNumber", out var number);
            var detailed = q.TryGetValue("view", out var view) && view == "Detailed";
            List<EmulatedCall> calls;
            lock (_gate)
                calls = _calls.Of(user)
                    .Where(c => c.CreatedAt >= from && c.CreatedAt <= to && c.EndedAt + Options.CallLogLag <= now)
                    .Where(c => string.IsNullOrEmpty(tsid) || c.TelephonySessionId == tsid)
                    .Where(c => string.IsNullOrEmpty(sid) || c.SessionId == sid)
                    .Where(c => string.IsNullOrEmpty(number) || SameNumber(c.To, number) || SameNumber(c.From, number))
                    .OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id) // newest first, as RingCentral lists them
                    .ToList();
            return Paged(req, ExtensionUri(req, user) + "/call-log", calls, c => LogRecord(req, c, detailed));
        }

        private EmulatorResponse ActiveCalls(EmulatorRequest req, EmulatedUser user)
        {
            var now = Clock.GetUtcNow();
            List<EmulatedCall> calls;
            lock (_gate)
                calls = _calls.Of(user).Where(c => c.IsActiveAt(now)).OrderByDescending(c => c.CreatedAt).ToList();
            return Paged(req, ExtensionUri(req, user) + "/active-calls", calls, c => new JsonObject
            {
                ["uri"] = $"{ExtensionUri(req, c.Owner)}/call-log/A{c.SessionId}",
                ["id"] = "A" + c.SessionId,
                ["sessionId"] = c.SessionId,
                ["telephonySessionId"] = c.TelephonySessionId,
                ["startTime"] = Iso(c.CreatedAt),
                ["type"] = "Voice",
                ["direction"] = "Outbound",
                ["action"] = "RingOut Web",
                ["result"] = "In Progress",
                ["from"] = new JsonObject { ["phoneNumber"] = c.From },
                ["to"] = new JsonObject { ["phoneNumber"] = c.To },
            });
        }

        private static JsonObject LogRecord(EmulatorRequest req, EmulatedCall c, bool detailed)
        {
            var (result, reason) = c.LogResult;
            var talked = c.ConnectedAt is DateTimeOffset connected ? c.EndedAt - connected : TimeSpan.Zero;
            var record = new JsonObject
            {
                ["uri"] = $"{ExtensionUri(req, c.Owner)}/call-log/L{c.SessionId}",
                ["id"] = "L" + c.SessionId,
                ["sessionId"] = c.SessionId,
                ["telephonySessionId"] = c.TelephonySessionId,
                ["startTime"] = Iso(c.CreatedAt),
                ["duration"] = (long)Math.Round(talked.TotalSeconds),
                ["durationMs"] = (long)Math.Round(talked.TotalMilliseconds),
                ["type"] = "Voice",
                ["direction"] = "Outbound",
                ["action"] = "RingOut Web",
                ["result"] = result,
                ["reason"] = reason,
                ["from"] = new JsonObject { ["phoneNumber"] = c.From },
                ["to"] = new JsonObject { ["phoneNumber"] = c.To },
            };
            if (detailed)
            {
                // Each leg is a call log record of its own (the spec requires type, direction, action and startTime of
                // every one), with its own result: the phone rung first, then (once it answered) the number called.
                JsonObject Leg(string legType, string to, string legResult, string legReason) => new JsonObject
                {
                    ["legType"] = legType, ["type"] = "Voice", ["direction"] = "Outbound", ["action"] = "RingOut Web", ["startTime"] = Iso(c.CreatedAt),
                    ["to"] = new JsonObject { ["phoneNumber"] = to }, ["result"] = legResult, ["reason"] = legReason,
                };
                var callerFailed = c.CallerFailed;
                var legs = new JsonArray(Leg("RingOutWebToSubscriber", c.From, callerFailed ? result : "Call connected", callerFailed ? reason : "Accepted"));
                if (!callerFailed) legs.Add(Leg("RingOutWebToCaller", c.To, result, reason));
                record["legs"] = legs;
            }
            return record;
        }

        private static DateTimeOffset? DateParameter(Dictionary<string, string> q, string name)
        {
            if (!q.TryGetValue(name, out var text) || string.IsNullOrEmpty(text)) return null;
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)) return at;
            throw EmulatorError.Rest(400, "CMN-101", $"Parameter [{name}] value is invalid", name);
        }

        internal static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

        private static bool SameNumber(string a, string b) =>
            a != null && b != null && a.TrimStart('+') == b.Trim().TrimStart('+');
    }
}
