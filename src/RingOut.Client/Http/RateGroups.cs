using System;
using System.Collections.Generic;
#if RINGOUT_EMULATOR
using Group = RingOut.Emulator.UsagePlanGroup;

namespace RingOut.Emulator
#else
using Group = RingOut.Client.Http.RateGroup;

namespace RingOut.Client.Http
#endif
{
    /// <summary>
    /// RingCentral's throttling group of every operation the module sends or the emulator serves, as RingCentral's
    /// spec names it (<c>x-throttling-group</c>): the one table of them. The client's pipeline charges each request to
    /// the group of its method and path, and the emulator limits each route by it: this file is compiled into both
    /// (linked into RingOut.Emulator, against its own enum). <c>RateGroupTableTests</c> checks it against the spec.
    /// </summary>
    internal static class RateGroups
    {
        /// <summary>One operation: RingCentral's operationId, method and path template, and its group.</summary>
        internal sealed class Operation
        {
            internal Operation(string id, string method, string template, Group group)
            {
                Id = id; Method = method; Template = template; Group = group;
                Segments = template.Trim('/').Split('/');
            }

            public string Id { get; }
            public string Method { get; }
            public string Template { get; }
            public Group Group { get; }
            internal string[] Segments { get; }

            public override string ToString() => $"{Id} ({Method} {Template}): {Group}";
        }

        private const string Extension = "/restapi/v1.0/account/{accountId}/extension/{extensionId}";
        private const string RingOut = Extension + "/ring-out";
        private const string TelephonySession = "/restapi/v1.0/account/{accountId}/telephony/sessions/{telephonySessionId}";
        private const string Subscription = "/restapi/v1.0/subscription";

        public static readonly Operation GetToken = new Operation("getToken", "POST", "/restapi/oauth/token", Group.Auth);
        public static readonly Operation RevokeToken = new Operation("revokeToken", "POST", "/restapi/oauth/revoke", Group.Auth);
        public static readonly Operation WsToken = new Operation("authWsToken", "POST", "/restapi/oauth/wstoken", Group.Auth);
        public static readonly Operation ReadExtension = new Operation("readExtension", "GET", Extension, Group.Light);
        public static readonly Operation ListForwardingNumbers = new Operation("listForwardingNumbers", "GET", Extension + "/forwarding-number", Group.Light);
        public static readonly Operation ListPhoneNumbers = new Operation("listExtensionPhoneNumbers", "GET", Extension + "/phone-number", Group.Light);
        public static readonly Operation CreateRingOutCall = new Operation("createRingOutCall", "POST", RingOut, Group.Heavy);
        public static readonly Operation ReadRingOutCall = new Operation("readRingOutCallStatus", "GET", RingOut + "/{ringoutId}", Group.Light);
        public static readonly Operation DeleteRingOutCall = new Operation("deleteRingOutCall", "DELETE", RingOut + "/{ringoutId}", Group.Heavy);
        public static readonly Operation ReadCallLog = new Operation("readUserCallLog", "GET", Extension + "/call-log", Group.Heavy);
        public static readonly Operation ListActiveCalls = new Operation("listExtensionActiveCalls", "GET", Extension + "/active-calls", Group.Heavy);
        public static readonly Operation ReadCallSession = new Operation("readCallSessionStatus", "GET", TelephonySession, Group.Light);
        public static readonly Operation DeleteCallSession = new Operation("deleteCallSession", "DELETE", TelephonySession, Group.Light);
        public static readonly Operation CreateSubscription = new Operation("createSubscription", "POST", Subscription, Group.Medium);
        public static readonly Operation ReadSubscription = new Operation("readSubscription", "GET", Subscription + "/{subscriptionId}", Group.Light);
        public static readonly Operation UpdateSubscription = new Operation("updateSubscription", "PUT", Subscription + "/{subscriptionId}", Group.Medium);
        public static readonly Operation DeleteSubscription = new Operation("deleteSubscription", "DELETE", Subscription + "/{subscriptionId}", Group.Medium);

        /// <summary>Every operation of the table.</summary>
        public static readonly IReadOnlyList<Operation> All = new[]
        {
            GetToken, RevokeToken, WsToken, ReadExtension, ListForwardingNumbers, ListPhoneNumbers,
            CreateRingOutCall, ReadRingOutCall, DeleteRingOutCall, ReadCallLog, ListActiveCalls,
            ReadCallSession, DeleteCallSession, CreateSubscription, ReadSubscription, UpdateSubscription, DeleteSubscription,
        };

        /// <summary>
        /// The operation of a request: its method and its path (a query is ignored; each <c>{…}</c> of a template
        /// stands for one segment; <c>ringout</c>, RingCentral's deprecated alias of <c>ring-out</c>, is read as it).
        /// Null when the table has none.
        /// </summary>
        public static Operation? Find(string method, string path)
        {
            var query = path.IndexOf('?');
            var segments = (query < 0 ? path : path.Substring(0, query)).Trim('/').Split('/');
            foreach (var op in All)
            {
                if (!string.Equals(op.Method, method, StringComparison.OrdinalIgnoreCase) || op.Segments.Length != segments.Length) continue;
                var match = true;
                for (var i = 0; i < segments.Length && match; i++)
                {
                    var t = op.Segments[i];
                    match = t[0] == '{' ? segments[i].Length > 0
                        : string.Equals(t, segments[i], StringComparison.Ordinal) || (t == "ring-out" && segments[i] == "ringout");
                }
                if (match) return op;
            }
            return null;
        }

        /// <summary>The group a request is charged to; a request the table does not know is a mistake of the code that makes it.</summary>
        public static Group Of(string method, string path) =>
            Find(method, path)?.Group ?? throw new InvalidOperationException($"{method} {path} is not in the table of RingCentral's rate groups (RateGroups.cs): add its operation there.");
    }
}
