using System;
using System.Linq;

namespace RingOut.Emulator
{
    /// <summary>Routing: RingCentral's paths to the endpoints that serve them (each route's rate group is the table's: RateGroups).</summary>
    public sealed partial class RingCentralEmulator
    {
        private EmulatorResponse RestApi(EmulatorRequest req, Route route, string method, OAuthSession session)
        {
            if (route.Name == "telephony-session") return TelephonySession(route, method, session);
            if (route.Name == "subscription") return HttpSubscription(req, route, method, session);
            var user = ResolveExtension(route, session);
            switch (route.Name)
            {
                case "extension": return Extension(req, user);
                case "forwarding-number": return ForwardingNumbers(req, route, user);
                case "phone-number": return PhoneNumbers(req, route, user);
                case "call-log": return CallLog(req, user);
                case "active-calls": return ActiveCalls(req, user);
                case "ring-out":
                    if (route.CallId == null) return CreateRingOut(req, route, user);
                    return method == "GET" ? GetRingOut(req, route, user) : DeleteRingOut(route, user);
                default: return EmulatorResponse.Error(404, "CMN-102", "Resource not found");
            }
        }


        /// <summary>The emulator's routes, by RingCentral's paths.</summary>
        private sealed class Route
        {
            public string Name = "";
            /// <summary>RingCentral's group of the request (RateGroups), set once its method is known; None for the emulator's own routes.</summary>
            public UsagePlanGroup Group;
            public string[] Methods = Array.Empty<string>();
            public string? AccountId, ExtensionId, CallId;

            public bool Allows(string method) => Methods.Contains(method);

            public static Route? Match(string path)
            {
                var s = path.Trim('/').Split('/');
                if (s.Length == 3 && s[0] == "restapi" && s[1] == "oauth")
                {
                    switch (s[2])
                    {
                        case "token": return new Route { Name = "token", Methods = new[] { "POST" } };
                        case "revoke": return new Route { Name = "revoke", Methods = new[] { "POST" } };
                        case "wstoken": return new Route { Name = "wstoken", Methods = new[] { "POST" } };
                        case "authorize": return new Route { Name = "authorize", Methods = new[] { "GET" } };
                    }
                    return null;
                }
                if (s.Length == 1 && s[0] == "_emulator") return new Route { Name = "_emulator", Methods = new[] { "GET" } };
                if (s.Length == 2 && s[0] == "_emulator")
                {
                    switch (s[1])
                    {
                        case "stats": return new Route { Name = "_emulator/stats", Methods = new[] { "GET" } };
                        case "clock": return new Route { Name = "_emulator/clock", Methods = new[] { "GET", "POST" } };
                        case "faults": return new Route { Name = "_emulator/faults", Methods = new[] { "POST", "DELETE" } };
                        case "reset": return new Route { Name = "_emulator/reset", Methods = new[] { "POST" } };
                        case "sockets": return new Route { Name = "_emulator/sockets", Methods = new[] { "POST" } };
                        case "held": return new Route { Name = "_emulator/held", Methods = new[] { "GET" } };
                    }
                    return null;
                }
                // restapi/v1.0/account/{a}/telephony/sessions/{telephonySessionId}: Call Control
                if (s.Length == 7 && s[0] == "restapi" && s[1] == "v1.0" && s[2] == "account" && s[4] == "telephony" && s[5] == "sessions")
                    return new Route
                    {
                        Name = "telephony-session", AccountId = Uri.UnescapeDataString(s[3]), CallId = Uri.UnescapeDataString(s[6]),
                        Methods = new[] { "GET", "DELETE" },
                    };
                // restapi/v1.0/subscription[/{subscriptionId}]: the subscription API over HTTP too
                if ((s.Length == 3 || s.Length == 4) && s[0] == "restapi" && s[1] == "v1.0" && s[2] == "subscription")
                    return new Route
                    {
                        Name = "subscription", CallId = s.Length == 4 ? Uri.UnescapeDataString(s[3]) : null,
                        Methods = s.Length == 3 ? new[] { "POST" } : new[] { "GET", "PUT", "DELETE" },
                    };
                // restapi/v1.0/account/{a}/extension/{e}[/…]
                if (s.Length < 6 || s[0] != "restapi" || s[1] != "v1.0" || s[2] != "account" || s[4] != "extension") return null;
                var r = new Route { AccountId = Uri.UnescapeDataString(s[3]), ExtensionId = Uri.UnescapeDataString(s[5]) };
                if (s.Length == 6) { r.Name = "extension"; r.Methods = new[] { "GET" }; return r; }
                switch (s[6])
                {
                    case "ring-out":
                    case "ringout":
                        r.Name = "ring-out";
                        if (s.Length == 7) { r.Methods = new[] { "POST" }; return r; }
                        if (s.Length == 8)
                        {
                            r.CallId = Uri.UnescapeDataString(s[7]);
                            r.Methods = new[] { "GET", "DELETE" };
                            return r;
                        }
                        return null;
                    case "forwarding-number" when s.Length == 7:
                        r.Name = "forwarding-number"; r.Methods = new[] { "GET" }; return r;
                    case "phone-number" when s.Length == 7:
                        r.Name = "phone-number"; r.Methods = new[] { "GET" }; return r;
                    case "call-log" when s.Length == 7:
                        r.Name = "call-log"; r.Methods = new[] { "GET" }; return r;
                    case "active-calls" when s.Length == 7:
                        r.Name = "active-calls"; r.Methods = new[] { "GET" }; return r;
                }
                return null;
            }
        }
    }
}
