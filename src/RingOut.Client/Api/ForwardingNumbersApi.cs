using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Security;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client.Http;

namespace RingOut.Client
{
    /// <summary>The user's forwarding numbers: the phones a RingOut can ring first.</summary>
    public sealed partial class RingCentralSession
    {
        /// <summary>All of the user's forwarding numbers (every page).</summary>
        public async Task<IReadOnlyList<ForwardingNumber>> GetForwardingNumbersAsync(CancellationToken cancellationToken = default)
        {
            var result = new List<ForwardingNumber>();
            for (var page = 1; page <= 100; page++)
            {
                using (var doc = await GetJsonAsync($"{ApiPaths.Extension(ApiPaths.Me, ApiPaths.Me)}/forwarding-number?page={page}&perPage=100", new RequestKind { Group = RateGroup.Light, Description = "listing forwarding numbers" }, cancellationToken).ConfigureAwait(false))
                {
                    var root = doc.RootElement;
                    if (root.TryGetProperty("records", out var records) && records.ValueKind == JsonValueKind.Array)
                        foreach (var r in records.EnumerateArray())
                            result.Add(new ForwardingNumber
                            {
                                Id = Json.IdString(r, "id"), PhoneNumber = Json.Str(r, "phoneNumber"), Label = Json.Str(r, "label"), Type = Json.Str(r, "type"),
                                Features = r.TryGetProperty("features", out var f) && f.ValueKind == JsonValueKind.Array
                                    ? f.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString() ?? "").ToArray() : Array.Empty<string>(),
                            });
                    var totalPages = Json.Int(Json.Obj(root, "paging"), "totalPages") ?? 1;
                    if (page >= totalPages) break;
                }
            }
            return result;
        }
    }
}
