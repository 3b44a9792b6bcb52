using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client.Http;

namespace RingOut.Client
{
    /// <summary>RingCentral's call log and active calls: one request answers for many calls (both are Heavy reads).</summary>
    public sealed partial class RingCentralSession
    {
        /// <summary>RingCentral's rate group for reading the call log, from <see cref="RateGroups"/>.</summary>
        public static readonly RateGroup CallLogGroup = RateGroups.ReadCallLog.Group;

        /// <summary>RingCentral's largest page of call log records.</summary>
        private const int CallLogPage = 1000;

        /// <summary>The most pages one lookup reads (each a Heavy request): 5,000 records, half the Heavy budget of a minute.</summary>
        public const int CallLogMaxPages = 5;

        /// <summary>
        /// The voice calls of an extension that started at or after <paramref name="since"/> (newest first), with their legs: every page
        /// up to <see cref="CallLogMaxPages"/>, stopping at an empty one. With <paramref name="until"/>, no page is
        /// asked for once its Heavy slot would come after it: a <see cref="TimeoutException"/> says so.
        /// </summary>
        public async Task<IReadOnlyList<CallLogRecord>> GetCallLogAsync(DateTimeOffset since, string accountId = ApiPaths.Me, string extensionId = ApiPaths.Me, DateTimeOffset? until = null, CancellationToken cancellationToken = default)
        {
            var query = "?type=Voice&view=Detailed&dateFrom=" + Uri.EscapeDataString(since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            return await ReadRecordsAsync(ApiPaths.CallLog(accountId, extensionId) + query + "&", "reading the call log", until, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>The calls of an extension under way now, with their telephony session ids (pages as <see cref="GetCallLogAsync"/>).</summary>
        public Task<IReadOnlyList<CallLogRecord>> GetActiveCallsAsync(string accountId = ApiPaths.Me, string extensionId = ApiPaths.Me, DateTimeOffset? until = null, CancellationToken cancellationToken = default) =>
            ReadRecordsAsync(ApiPaths.ActiveCalls(accountId, extensionId) + "?", "reading the active calls", until, cancellationToken);

        private async Task<IReadOnlyList<CallLogRecord>> ReadRecordsAsync(string pathAndQuery, string what, DateTimeOffset? until, CancellationToken ct)
        {
            var result = new List<CallLogRecord>();
            var group = RateGroups.Of("GET", pathAndQuery);
            for (var page = 1; page <= CallLogMaxPages; page++)
            {
                if (until is DateTimeOffset u && Clock.GetUtcNow() + Budget.WaitTime(group) > u)
                    throw new TimeoutException($"Stopped {what} at page {page}: the wait's time is up.");
                var path = pathAndQuery + "page=" + page.ToString(CultureInfo.InvariantCulture) + "&perPage=" + CallLogPage.ToString(CultureInfo.InvariantCulture);
                using (var doc = await GetJsonAsync(path, new RequestKind { Description = what, Deadline = until }, ct).ConfigureAwait(false))
                {
                    var root = doc.RootElement;
                    if (root.ValueKind != JsonValueKind.Object) throw new RingCentralProtocolException($"The answer to {what} is not a JSON object.");
                    var records = Json.Arr(root, "records");
                    // No list of records is no answer: read as "none", it would make every live call look over.
                    if (records.ValueKind != JsonValueKind.Array) throw new RingCentralProtocolException($"The answer to {what} has no list of records.");
                    var onPage = 0;
                    // A page holds at most the records asked for: more are not kept (a hostile page of millions of {}).
                    foreach (var r in records.EnumerateArray())
                    {
                        if (++onPage > CallLogPage) break;
                        if (r.ValueKind == JsonValueKind.Object) result.Add(ReadRecord(r));
                    }
                    var totalPages = Json.Int(Json.Obj(root, "paging"), "totalPages") ?? 1;
                    if (page >= totalPages || onPage == 0) break;
                }
            }
            return result;
        }

        private static IReadOnlyList<CallLogLeg> ReadLegs(JsonElement r)
        {
            if (!r.TryGetProperty("legs", out var legs) || legs.ValueKind != JsonValueKind.Array) return Array.Empty<CallLogLeg>();
            var result = new List<CallLogLeg>();
            foreach (var l in legs.EnumerateArray())
            {
                if (l.ValueKind != JsonValueKind.Object || result.Count >= Json.MaxParties) break;
                result.Add(new CallLogLeg
                {
                    LegType = Json.Str(l, "legType"),
                    To = l.TryGetProperty("to", out var to) && to.ValueKind == JsonValueKind.Object ? Json.Str(to, "phoneNumber") : null,
                    Result = Json.Str(l, "result"),
                    Reason = Json.Str(l, "reason"),
                });
            }
            return result;
        }

        private static CallLogRecord ReadRecord(JsonElement r)
        {
            string? Number(string name) =>
                r.TryGetProperty(name, out var party) && party.ValueKind == JsonValueKind.Object ? Json.Str(party, "phoneNumber") : null;
            var start = Json.Str(r, "startTime");
            var seconds = Json.Long(r, "durationMs") is long ms ? ms / 1000.0 : Json.Long(r, "duration") ?? 0;
            return new CallLogRecord
            {
                Id = Json.IdString(r, "id"),
                SessionId = Json.IdString(r, "sessionId"),
                TelephonySessionId = Json.Str(r, "telephonySessionId"),
                StartTime = DateTimeOffset.TryParse(start, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : DateTimeOffset.MinValue,
                Duration = TimeSpan.FromSeconds(Math.Max(0, Math.Min(seconds, TimeSpan.FromDays(2).TotalSeconds))),
                Direction = Json.Str(r, "direction"),
                Action = Json.Str(r, "action"),
                Result = Json.Str(r, "result"),
                Reason = Json.Str(r, "reason"),
                From = Number("from"),
                To = Number("to"),
                Legs = ReadLegs(r),
            };
        }
    }
}
