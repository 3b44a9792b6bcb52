using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;

namespace RingOut.Client
{
    /// <summary>One telephony session event: a RingOut's parties and their statuses at one moment. It carries no RingOut id.</summary>
    public sealed class TelephonyEvent
    {
        public string? TelephonySessionId { get; internal set; }
        public string? SessionId { get; internal set; }
        public long Sequence { get; internal set; }
        public DateTimeOffset EventTime { get; internal set; }
        public string? Origin { get; internal set; }
        public IReadOnlyList<TelephonyParty> Parties { get; internal set; } = Array.Empty<TelephonyParty>();
        public override string ToString() => $"{TelephonySessionId} #{Sequence} {string.Join(", ", Parties)}";

        /// <summary>An event as RingCentral sends it (the notification's body, or Call Control's answer), every value read defensively: what cannot be read is absent.</summary>
        internal static TelephonyEvent Read(JsonElement e)
        {
            var parties = new List<TelephonyParty>();
            var list = Json.Arr(e, "parties");
            if (list.ValueKind == JsonValueKind.Array)
                foreach (var p in list.EnumerateArray())
                {
                    if (p.ValueKind != JsonValueKind.Object) continue;
                    var status = Json.Obj(p, "status");
                    parties.Add(new TelephonyParty
                    {
                        To = Json.Str(Json.Obj(p, "to"), "phoneNumber"),
                        Code = Json.Str(status, "code"),
                        Reason = Json.Str(status, "reason"),
                    });
                }
            return new TelephonyEvent
            {
                TelephonySessionId = Json.Str(e, "telephonySessionId"),
                SessionId = Json.IdString(e, "sessionId"),
                Sequence = Json.Long(e, "sequence") ?? 0,
                EventTime = DateTimeOffset.TryParse(Json.Str(e, "eventTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : DateTimeOffset.MinValue,
                Origin = Json.Str(Json.Obj(e, "origin"), "type"),
                Parties = parties,
            };
        }
    }

    public sealed class TelephonyParty
    {
        /// <summary>The number this party's leg rings.</summary>
        public string? To { get; internal set; }
        public string? Code { get; internal set; }
        public string? Reason { get; internal set; }
        public override string ToString() => $"{To} {Code}{(Reason != null ? " (" + Reason + ")" : "")}";
    }
}
