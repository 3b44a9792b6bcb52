using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json.Nodes;

namespace RingOut.Emulator
{
    /// <summary>The account and extension endpoints: extension info, forwarding numbers, phone numbers; paging.</summary>
    public sealed partial class RingCentralEmulator
    {
        /// <summary>The token's user, when the path's account is its own; RingCentral's 403 otherwise.</summary>
        private static EmulatedUser OwnAccount(Route route, OAuthSession session)
        {
            var me = session.User;
            if (!me.IsOwnAccount(route.AccountId))
                throw EmulatorError.Rest(403, "CMN-401", $"The token's account does not have access to account [{Truncate(route.AccountId, 40)}]");
            return me;
        }

        private EmulatedUser ResolveExtension(Route route, OAuthSession session)
        {
            var me = OwnAccount(route, session);
            if (route.ExtensionId == null || me.IsOwnExtension(route.ExtensionId)) return me;
            if (!me.IsAdmin)
                throw EmulatorError.Rest(403, "CMN-408", "In order to call this API endpoint for another extension, user needs to have the admin role");
            lock (_gate)
                return _oauth.FindUser(me.AccountId, route.ExtensionId)
                       ?? throw EmulatorError.Rest(404, "CMN-102", $"Resource for parameter [extensionId] is not found", "extensionId");
        }

        private static string ExtensionUri(EmulatorRequest req, EmulatedUser u) =>
            $"{req.BaseUri}/restapi/v1.0/account/{u.AccountId}/extension/{u.ExtensionId}";

        private static EmulatorResponse Extension(EmulatorRequest req, EmulatedUser u) =>
            EmulatorResponse.Json(200, new JsonObject
            {
                ["uri"] = ExtensionUri(req, u),
                ["id"] = long.Parse(u.ExtensionId, CultureInfo.InvariantCulture),
                ["extensionNumber"] = u.ExtensionNumber,
                ["name"] = u.Name,
                ["type"] = "User",
                ["status"] = "Enabled",
                ["account"] = new JsonObject { ["id"] = u.AccountId, ["uri"] = $"{req.BaseUri}/restapi/v1.0/account/{u.AccountId}" },
                ["permissions"] = new JsonObject { ["admin"] = new JsonObject { ["enabled"] = u.IsAdmin } },
                ["regionalSettings"] = new JsonObject { ["homeCountry"] = new JsonObject { ["id"] = u.HomeCountry == "US" ? "1" : "0", ["isoCode"] = u.HomeCountry } },
            });

        private static (int page, int perPage) Paging(EmulatorRequest req)
        {
            var q = Form.Parse(req.Query);
            int page = 1, perPage = 100;
            if (q.TryGetValue("page", out var p) && (!int.TryParse(p, out page) || page < 1))
                throw EmulatorError.Rest(400, "CMN-101", "Parameter [page] value is invalid", "page");
            if (q.TryGetValue("perPage", out var pp) && (!int.TryParse(pp, out perPage) || perPage < 1 || perPage > 1000))
                throw EmulatorError.Rest(400, "CMN-101", "Parameter [perPage] value is invalid", "perPage");
            return (page, perPage);
        }

        private static EmulatorResponse Paged<T>(EmulatorRequest req, string listUri, IList<T> all, Func<T, JsonNode> record)
        {
            var (page, perPage) = Paging(req);
            var total = all.Count;
            var totalPages = Math.Max(1, (total + perPage - 1) / perPage);
            var records = new JsonArray(all.Skip((page - 1) * perPage).Take(perPage).Select(record).ToArray());
            JsonObject Nav(int p) => new JsonObject { ["uri"] = $"{listUri}?page={p}&perPage={perPage}" };
            var navigation = new JsonObject { ["firstPage"] = Nav(1), ["lastPage"] = Nav(totalPages) };
            if (page < totalPages) navigation["nextPage"] = Nav(page + 1);
            if (page > 1) navigation["previousPage"] = Nav(Math.Min(page - 1, totalPages));
            var paging = new JsonObject { ["page"] = page, ["totalPages"] = totalPages, ["perPage"] = perPage, ["totalElements"] = total };
            if (records.Count > 0)
            {
                paging["pageStart"] = (page - 1) * perPage;
                paging["pageEnd"] = (page - 1) * perPage + records.Count - 1;
            }
            return EmulatorResponse.Json(200, new JsonObject
            {
                ["uri"] = $"{listUri}?page={page}&perPage={perPage}",
                ["records"] = records,
                ["paging"] = paging,
                ["navigation"] = navigation,
            });
        }

        private static EmulatorResponse ForwardingNumbers(EmulatorRequest req, Route route, EmulatedUser u)
        {
            var listUri = ExtensionUri(req, u) + "/forwarding-number";
            return Paged(req, listUri, u.ForwardingNumbers, f => new JsonObject
            {
                ["id"] = f.Id,
                ["uri"] = listUri + "/" + f.Id,
                ["phoneNumber"] = f.PhoneNumber,
                ["label"] = f.Label,
                ["type"] = f.Type,
                ["features"] = new JsonArray("CallFlip", "CallForwarding"),
            });
        }

        private static EmulatorResponse PhoneNumbers(EmulatorRequest req, Route route, EmulatedUser u)
        {
            var listUri = ExtensionUri(req, u) + "/phone-number";
            return Paged(req, listUri, u.PhoneNumbers, n =>
            {
                var features = new JsonArray("SmsSender");
                if (n.CallerId) features.Add("CallerId");
                return new JsonObject
                {
                    ["id"] = n.Id,
                    ["phoneNumber"] = n.PhoneNumber,
                    ["usageType"] = n.UsageType,
                    ["type"] = "VoiceFax",
                    ["paymentType"] = "Local",
                    ["status"] = "Normal",
                    ["primary"] = n.Primary,
                    ["features"] = features,
                };
            });
        }
    }
}
