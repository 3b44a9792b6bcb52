using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace RingOut.Emulator
{
    /// <summary>The emulator's own endpoints (outside RingCentral's namespace): statistics, the clock, faults, reset.</summary>
    public sealed partial class RingCentralEmulator
    {
        /// <summary>Every fault kind, for the answers that name them.</summary>
        private static string FaultKinds => string.Join(", ", Enum.GetNames(typeof(FaultKind)));

        private EmulatorResponse Diagnostics(EmulatorRequest req, Route route, string method)
        {
            var q = Form.Parse(req.Query);
            switch (route.Name)
            {
                case "_emulator":
                    // The index: what each diagnostics endpoint does, for a person finding their way.
                    return EmulatorResponse.Json(200, new JsonObject
                    {
                        ["emulator"] = "RingCentral emulator (RingOut). RingCentral's API is under /restapi/; these endpoints are the emulator's own.",
                        ["endpoints"] = new JsonObject
                        {
                            ["GET /_emulator/stats"] = "requests served, calls created, 429s sent, sessions opened and revoked, requests by route",
                            ["GET /_emulator/clock"] = "the emulator's time",
                            ["POST /_emulator/clock?seconds=N"] = "moves a virtual clock (--virtual-clock) N seconds ahead",
                            ["POST /_emulator/faults?kind=K&method=M&route=R&times=N"] = "injects a fault (optional: status, retryAfter, latency); kinds: " + FaultKinds,
                            ["DELETE /_emulator/faults"] = "removes every fault",
                            ["POST /_emulator/sockets?drop=true&refuseRecovery=true|false"] = "drops the open WebSockets; refuses or allows their recovery",
                            ["POST /_emulator/reset?rateLimits=on|off"] = "forgets every call, token and count",
                        },
                    });
                case "_emulator/stats":
                    return EmulatorResponse.Json(200, new JsonObject
                    {
                        ["totalRequests"] = Statistics.TotalRequests,
                        ["callsCreated"] = Statistics.CallsCreated,
                        ["tooManyRequests"] = Statistics.TooManyRequestsSent,
                        ["sessionsOpened"] = Statistics.SessionsOpened,
                        ["sessionsRevoked"] = Statistics.SessionsRevoked,
                        ["held"] = Faults.Held,
                        ["byRoute"] = new JsonObject(Statistics.ByRoute.Select(p => new KeyValuePair<string, JsonNode?>(p.Key, p.Value))),
                    });
                case "_emulator/clock":
                    if (!(Clock is VirtualClock vc))
                        return EmulatorResponse.Error(409, "EMU-001", "The emulator runs on the real clock; start it with --virtual-clock to move time by hand");
                    if (method == "POST")
                    {
                        if (!q.TryGetValue("seconds", out var sec) || !double.TryParse(sec, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || seconds < 0 || seconds > 1e7)
                            return EmulatorResponse.Error(400, "CMN-101", "Parameter [seconds] value is invalid", "seconds");
                        vc.Advance(TimeSpan.FromSeconds(seconds));
                    }
                    return EmulatorResponse.Json(200, new JsonObject { ["now"] = vc.GetUtcNow().ToString("o") });
                case "_emulator/reset":
                    Reset();
                    if (q.TryGetValue("rateLimits", out var rl)) Options.RateLimits.Enabled = rl != "off" && rl != "false";
                    return EmulatorResponse.Empty(204);
                case "_emulator/faults":
                    if (method == "DELETE") { Faults.Clear(); return EmulatorResponse.Empty(204); }
                    if (q.TryGetValue("release", out var rel) && (rel == "true" || rel == "on")) { Faults.ReleaseHolds(); return EmulatorResponse.Json(200, new JsonObject { ["held"] = Faults.Held }); }
                    if (!q.TryGetValue("kind", out var k) || !Enum.TryParse<FaultKind>(k, true, out var kind) || !Enum.IsDefined(typeof(FaultKind), kind))
                        return EmulatorResponse.Error(400, "CMN-101", "Parameter [kind] value is invalid: give one of " + FaultKinds, "kind");
                    q.TryGetValue("method", out var fm);
                    q.TryGetValue("route", out var fr);
                    var times = q.TryGetValue("times", out var t) && int.TryParse(t, out var n) ? n : 1;
                    var skip = q.TryGetValue("skip", out var sk) && int.TryParse(sk, out var skn) && skn > 0 ? skn : 0;
                    var rule = Faults.Add(kind, string.IsNullOrEmpty(fm) ? null : fm, string.IsNullOrEmpty(fr) ? null : fr, times, skip);
                    if (q.TryGetValue("status", out var st) && int.TryParse(st, out var code)) rule.StatusCode = code;
                    if (q.TryGetValue("retryAfter", out var ra)) rule.RetryAfterSeconds = int.TryParse(ra, out var ras) ? ras : (int?)null;
                    if (q.TryGetValue("latency", out var lat) && double.TryParse(lat, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ls)) rule.Latency = TimeSpan.FromSeconds(ls);
                    return EmulatorResponse.Json(201, new JsonObject { ["rule"] = rule.ToString() });
                case "_emulator/held":
                    // Answers once at least count requests are held (a deterministic moment for a test to act at), or after wait seconds.
                    var count = q.TryGetValue("count", out var c) && int.TryParse(c, out var cn) && cn > 0 ? cn : 1;
                    var waitFor = q.TryGetValue("wait", out var w) && int.TryParse(w, out var ws) && ws >= 0 && ws <= 600 ? ws : 60;
                    return EmulatorResponse.Json(200, new JsonObject { ["held"] = Faults.WaitForHeld(count, TimeSpan.FromSeconds(waitFor)) });
                case "_emulator/sockets":
                    // Socket faults: drop every open socket; refuse (or again allow) recovery with wsc.
                    if (q.TryGetValue("refuseRecovery", out var refuse)) RefuseRecovery = refuse == "true" || refuse == "on";
                    if (q.TryGetValue("drop", out var drop) && (drop == "true" || drop == "on")) DropSockets();
                    return EmulatorResponse.Json(200, new JsonObject { ["open"] = OpenSockets, ["refuseRecovery"] = RefuseRecovery });
                default:
                    return EmulatorResponse.Error(404, "CMN-102", "Resource not found");
            }
        }
    }
}
