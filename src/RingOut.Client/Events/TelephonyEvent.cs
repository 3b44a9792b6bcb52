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

        /// <summary>An estimate of the bytes it holds (its strings, its lists, the objects' headers): what the event log bounds.</summary>
        internal long EstimatedBytes
        {
            get
            {
                static long Text(string? s) => s == null ? 0 : 32 + 2L * s.Length;
                long bytes = 96 + Text(TelephonySessionId) + Text(SessionId) + Text(Origin) + 32 + 8L * Parties.Count;
                foreach (var p in Parties) bytes += 48 + Text(p.To) + Text(p.Code) + Text(p.Reason);
                return bytes;
            }
        }

        /// <summary>
        /// An event as RingCentral sends it (the notification's body, or Call Control's answer), every value read
        /// defensively: what cannot be read is absent. Bounded, as it is kept: at most <see cref="Json.MaxParties"/>
        /// parties, and no string longer than <see cref="Json.MaxKeptString"/> characters.
        /// </summary>
        internal static TelephonyEvent Read(JsonElement e)
        {
            var parties = new List<TelephonyParty>();
            var list = Json.Arr(e, "parties");
            if (list.ValueKind == JsonValueKind.Array)
                foreach (var p in list.EnumerateArray())
                {
                    if (parties.Count >= Json.MaxParties) break;
                    if (p.ValueKind != JsonValueKind.Object) continue;
                    var status = Json.Obj(p, "status");
                    parties.Add(new TelephonyParty
                    {
                        To = Json.KeptStr(Json.Obj(p, "to"), "phoneNumber"),
                        Code = Json.KeptStr(status, "code"),
                        Reason = Json.KeptStr(status, "reason"),
                    });
                }
            return new TelephonyEvent
            {
                TelephonySessionId = Json.KeptStr(e, "telephonySessionId"),
                SessionId = Json.IdString(e, "sessionId") is string id && id.Length <= Json.MaxKeptString ? id : null,
                Sequence = Json.Long(e, "sequence") ?? 0,
                EventTime = DateTimeOffset.TryParse(Json.Str(e, "eventTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : DateTimeOffset.MinValue,
                Origin = Json.KeptStr(Json.Obj(e, "origin"), "type"),
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
