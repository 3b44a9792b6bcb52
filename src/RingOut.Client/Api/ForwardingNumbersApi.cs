using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client.Http;

namespace RingOut.Client
{
    /// <summary>The user's forwarding numbers: the phones a RingOut can ring first.</summary>
    public sealed partial class RingCentralSession
    {
        /// <summary>All of the user's forwarding numbers (every page), the default one marked (<see cref="ForwardingNumber.IsDefault"/>).</summary>
        public Task<IReadOnlyList<ForwardingNumber>> GetForwardingNumbersAsync(CancellationToken cancellationToken = default) =>
            GetForwardingNumbersAsync(ApiPaths.Me, ApiPaths.Me, cancellationToken);

        /// <summary>
        /// The forwarding number a call rings first when it names neither a from number nor a forwarding number id:
        /// the first of the extension's forwarding numbers with a phone number, in RingCentral's order (the spec makes
        /// <c>from</c> required, so the module always sends one). Read once per session and extension; null when the
        /// extension has none.
        /// </summary>
        public async Task<ForwardingNumber?> DefaultForwardingNumberAsync(string? accountId = ApiPaths.Me, string? extensionId = ApiPaths.Me, CancellationToken cancellationToken = default)
        {
            var key = ApiPaths.Extension(accountId, extensionId);
            lock (_defaultFrom) if (_defaultFrom.TryGetValue(key, out var known)) return known;
            var numbers = await GetForwardingNumbersAsync(accountId, extensionId, cancellationToken).ConfigureAwait(false);
            var first = numbers.FirstOrDefault(n => n.IsDefault);
            lock (_defaultFrom) _defaultFrom[key] = first;
            return first;
        }

        private readonly Dictionary<string, ForwardingNumber?> _defaultFrom = new Dictionary<string, ForwardingNumber?>(StringComparer.Ordinal);

        private async Task<IReadOnlyList<ForwardingNumber>> GetForwardingNumbersAsync(string? accountId, string? extensionId, CancellationToken cancellationToken)
        {
            var result = new List<ForwardingNumber>();
            for (var page = 1; page <= 100; page++)
            {
                using (var doc = await GetJsonAsync($"{ApiPaths.Extension(accountId, extensionId)}/forwarding-number?page={page}&perPage=100", new RequestKind { Description = "listing forwarding numbers" }, cancellationToken).ConfigureAwait(false))
                {
                    var root = doc.RootElement;
                    var records = Json.Arr(root, "records");
                    // A page holds at most the 100 records asked for; an empty page is the last.
                    var onPage = records.ValueKind == JsonValueKind.Array ? records.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.Object).Take(100).ToList() : new List<JsonElement>();
                    foreach (var r in onPage)
                        result.Add(new ForwardingNumber
                        {
                            Id = Json.IdString(r, "id"), PhoneNumber = Json.Str(r, "phoneNumber"), Label = Json.Str(r, "label"), Type = Json.Str(r, "type"),
                            Features = Json.Arr(r, "features") is var f && f.ValueKind == JsonValueKind.Array
                                ? f.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString() ?? "").Take(100).ToArray() : Array.Empty<string>(),
                        });
                    var totalPages = Json.Int(Json.Obj(root, "paging"), "totalPages") ?? 1;
                    if (page >= totalPages || onPage.Count == 0) break;
                }
            }
            // The default (RingCentral's spec marks none, and makes a call's from required): the first with a phone number, in RingCentral's order.
            if (result.FirstOrDefault(n => !string.IsNullOrEmpty(n.PhoneNumber)) is ForwardingNumber first) first.IsDefault = true;
            return result;
        }
    }
}
