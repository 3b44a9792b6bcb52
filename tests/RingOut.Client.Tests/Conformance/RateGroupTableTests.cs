#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading.Tasks;
using RingOut.Client.Http;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace RingOut.Client.Tests.Conformance
{
    /// <summary>
    /// The one table of rate groups (<see cref="RateGroups"/>) held to RingCentral's spec (its <c>x-throttling-group</c>,
    /// read from ../shared, never copied), and the emulator held to the table: a group decided anywhere else shows here.
    /// </summary>
    public sealed class RateGroupTableTests
    {
        public const string FullSpecFile = "rc-public-openapi.yml";

        /// <summary>Every operation of RingCentral's full spec: (method, template) → (operationId, x-throttling-group); null when the spec is not in ../shared.</summary>
        private static readonly Lazy<Dictionary<(string Method, string Template), (string Id, string? Group)>?> FullSpec = new(() =>
        {
            var file = Path.GetFullPath(Path.Combine(OpenApiContract.RepositoryRoot, "..", "shared", "reference", "ringcentral-openapi", FullSpecFile));
            if (!File.Exists(file)) return null;
            var yaml = new YamlStream();
            using (var reader = File.OpenText(file)) yaml.Load(reader);
            var paths = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("paths")];
            var result = new Dictionary<(string, string), (string, string?)>();
            foreach (var path in paths.Children)
                foreach (var method in ((YamlMappingNode)path.Value).Children)
                    if (method.Value is YamlMappingNode op && op.Children.TryGetValue(new YamlScalarNode("operationId"), out var id))
                        result[(((YamlScalarNode)method.Key).Value!.ToUpperInvariant(), ((YamlScalarNode)path.Key).Value!)] =
                            (((YamlScalarNode)id).Value!, op.Children.TryGetValue(new YamlScalarNode("x-throttling-group"), out var g) ? ((YamlScalarNode)g).Value : null);
            return result;
        });

        [SkippableFact]
        public void Every_operation_of_the_table_is_in_RingCentrals_spec_with_the_same_throttling_group()
        {
            var spec = FullSpec.Value;
            Skip.If(spec == null, $"RingCentral's spec ({FullSpecFile}) is not in ../shared/reference/ringcentral-openapi/ (see its SOURCE.md): the table was NOT checked against it.");
            var wrong = RateGroups.All
                .Select(op => spec!.TryGetValue((op.Method, op.Template), out var s)
                    ? s.Id != op.Id || s.Group != op.Group.ToString() ? $"{op}: the spec says {s.Id}, {s.Group ?? "no group"}" : null
                    : $"{op}: not in the spec")
                .Where(w => w != null);
            Assert.Empty(wrong);
        }

        [SkippableFact]
        public void Every_operation_the_module_uses_is_in_the_table()
        {
            var subset = OpenApiContract.Spec;
            Skip.If(subset == null, $"The table was NOT checked against the operations the module uses: {OpenApiContract.WhyNone}.");
            // The subset in ../shared is the operations the module uses (SOURCE.md); the one it lacks, readExtension, is in the table too.
            Assert.Empty(subset!.Operations.Where(o => RateGroups.Find(o.Method, o.Template)?.Id != o.Id).Select(o => o.ToString()));
            Assert.Equal(RateGroups.All.Count, RateGroups.All.Select(o => (o.Method, o.Template)).Distinct().Count());
        }

        [Fact]
        public void A_request_is_found_by_method_and_path_its_query_and_the_deprecated_ringout_alias_aside()
        {
            Assert.Same(RateGroups.CreateRingOutCall, RateGroups.Find("POST", "/restapi/v1.0/account/~/extension/~/ring-out"));
            Assert.Same(RateGroups.DeleteRingOutCall, RateGroups.Find("delete", "/restapi/v1.0/account/1/extension/2/ringout/3"));
            Assert.Same(RateGroups.ReadCallLog, RateGroups.Find("GET", "/restapi/v1.0/account/~/extension/~/call-log?page=1&perPage=1000"));
            Assert.Null(RateGroups.Find("GET", "/restapi/v1.0/account/~/extension/~/ring-out"));
            Assert.Null(RateGroups.Find("GET", "/restapi/v1.0/account/~/extension//ring-out/1"));
            var e = Assert.Throws<InvalidOperationException>(() => RateGroups.Of("GET", "/restapi/v1.0/account/~/extension/~/message-store"));
            Assert.Contains("RateGroups.cs", e.Message);
        }

        /// <summary>The pipeline charges every request to the table's group: a request the table does not know is a mistake, refused before it is sent.</summary>
        [Fact]
        public async Task A_request_for_an_operation_not_in_the_table_is_not_sent()
        {
            using var rig = await Rig.StartAsync();
            var before = rig.Emulator.Statistics.TotalRequests;
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
                rig.Session.PostForJsonAsync("/restapi/v1.0/account/~/extension/~/sms", new RequestKind { Description = "sending a text" }, default));
            Assert.Contains("not in the table of RingCentral's rate groups", e.Message);
            Assert.Equal(before, rig.Emulator.Statistics.TotalRequests);
        }

        /// <summary>The group the emulator answers each operation with (X-Rate-Limit-Group) is the table's: its routing decides none of its own.</summary>
        [Fact]
        public async Task The_emulator_charges_every_operation_to_the_tables_group()
        {
            using var rig = await Rig.StartAsync();
            var access = rig.Emulator.IssuedTokens.Last(t => t.StartsWith("RCEMU-AT-", StringComparison.Ordinal));
            using var http = new HttpClient(rig.Emulator.CreateHandler()) { BaseAddress = RingOut.Emulator.RingCentralEmulator.InProcessBaseUri };
            var asked = RateGroups.All.Select(op => (op, path: op.Template)).ToList();
            asked.AddRange(RateGroups.All.Where(op => op.Template.Contains("/ring-out")).Select(op => (op, path: op.Template.Replace("/ring-out", "/ringout"))));
            var wrong = new List<string>();
            foreach (var (op, template) in asked)
            {
                var path = string.Join("/", template.Split('/').Select(s => s == "{accountId}" || s == "{extensionId}" ? "~" : s.StartsWith('{') ? "1" : s));
                var request = new HttpRequestMessage(new HttpMethod(op.Method), path);
                if (op.Group == RateGroup.Auth && op != RateGroups.WsToken)
                    request.Content = new FormUrlEncodedContent(new Dictionary<string, string>());
                else
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", access);
                using var response = await http.SendAsync(request);
                var group = response.Headers.TryGetValues("X-Rate-Limit-Group", out var values) ? values.Single() : "none";
                if (group != op.Group.ToString().ToLowerInvariant()) wrong.Add($"{op.Method} {path}: {group}, the table says {op.Group} (HTTP {(int)response.StatusCode})");
            }
            Assert.Empty(wrong);
        }
    }
}
