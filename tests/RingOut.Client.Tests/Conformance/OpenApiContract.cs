using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace RingOut.Client.Tests.Conformance
{
    /// <summary>
    /// RingCentral's published OpenAPI spec, as the conformance test reads it: the JSON subset in
    /// <c>../shared/reference/ringcentral-openapi/</c> beside the repository (RingCentral's API licence keeps the spec
    /// out of the repository: it is read from there at test time and never copied). Its component schemas are
    /// validated with JsonSchema.Net: OpenAPI 3.0's schema object is JSON Schema with a few keywords of its own
    /// (discriminator, readOnly, example), which the validator passes over.
    /// </summary>
    public sealed class OpenApiContract
    {
        public const string SubsetFile = "ringout-subset.openapi.json";
        private static readonly Lazy<(OpenApiContract? Spec, string? WhyNone)> Loaded = new(Load);
        private readonly JsonObject _root;
        private readonly JsonObject _defs;
        private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new(StringComparer.Ordinal);
        private int _built;

        /// <summary>JSON Schema 2020-12, taking OpenAPI's own keywords (discriminator, x-…) as the annotations they are.</summary>
        private static readonly BuildOptions Build = new BuildOptions { Dialect = Dialect.Draft202012.With(Array.Empty<IKeywordHandler>(), allowUnknownKeywords: true) };

        private OpenApiContract(JsonObject root)
        {
            _root = root;
            // "#/components/schemas/X" becomes "#/$defs/X", so that every fragment can be a JSON Schema of its own.
            _defs = (JsonObject)Rebased(root["components"]!["schemas"]!);
        }

        /// <summary>The spec, or null with where it was looked for.</summary>
        public static OpenApiContract? Spec => Loaded.Value.Spec;
        public static string? WhyNone => Loaded.Value.WhyNone;

        /// <summary>The folder of the repository (the one with RingOut.PowerShell.sln).</summary>
        public static string RepositoryRoot
        {
            get
            {
                for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                    if (File.Exists(Path.Combine(dir.FullName, "RingOut.PowerShell.sln"))) return dir.FullName;
                throw new InvalidOperationException("The repository root (RingOut.PowerShell.sln) was not found above " + AppContext.BaseDirectory);
            }
        }

        private static (OpenApiContract?, string?) Load()
        {
            var file = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "reference", "ringcentral-openapi", SubsetFile));
            if (!File.Exists(file)) return (null, $"RingCentral's OpenAPI spec was not found at {file} (it is kept beside the repository, in ../shared, never in it)");
            return (new OpenApiContract((JsonObject)JsonNode.Parse(File.ReadAllText(file))!), null);
        }

        private static JsonNode Rebased(JsonNode node) =>
            JsonNode.Parse(node.ToJsonString().Replace("\"#/components/schemas/", "\"#/$defs/"))!;

        /// <summary>One operation of the spec: its method and path template, and its definition.</summary>
        public sealed class Operation
        {
            public required string Method, Template, Id;
            public required JsonObject Definition;
            public required JsonObject PathItem;
            public override string ToString() => $"{Id} ({Method} {Template})";
        }

        public IEnumerable<Operation> Operations =>
            _root["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject()
                .Where(m => m.Key != "parameters" && m.Value is JsonObject)
                .Select(m => new Operation
                {
                    Method = m.Key.ToUpperInvariant(), Template = p.Key, Id = m.Value!["operationId"]?.GetValue<string>() ?? m.Key + " " + p.Key,
                    Definition = m.Value!.AsObject(), PathItem = p.Value!.AsObject(),
                }));

        /// <summary>The operation a request is for, with the values of its path parameters; null when the spec has none.</summary>
        public (Operation op, Dictionary<string, string> pathValues)? Find(string method, string path)
        {
            var segments = path.Trim('/').Split('/');
            foreach (var op in Operations.Where(o => o.Method == method))
            {
                var template = op.Template.Trim('/').Split('/');
                if (template.Length != segments.Length) continue;
                var values = new Dictionary<string, string>(StringComparer.Ordinal);
                var ok = true;
                for (var i = 0; i < template.Length && ok; i++)
                {
                    if (template[i].StartsWith("{", StringComparison.Ordinal)) values[template[i].Trim('{', '}')] = Uri.UnescapeDataString(segments[i]);
                    else ok = template[i] == segments[i];
                }
                if (ok) return (op, values);
            }
            return null;
        }

        /// <summary>The operation's parameters (its own and its path's), with references resolved.</summary>
        public IEnumerable<JsonObject> Parameters(Operation op) =>
            new[] { op.PathItem["parameters"], op.Definition["parameters"] }.OfType<JsonArray>().SelectMany(a => a)
                .Select(p => p!["$ref"] is JsonValue r ? Resolve(r.GetValue<string>()) : p!.AsObject());

        /// <summary>A "#/components/…" reference.</summary>
        public JsonObject Resolve(string reference)
        {
            JsonNode node = _root;
            foreach (var part in reference.TrimStart('#', '/').Split('/')) node = node[part] ?? throw new KeyNotFoundException("The spec has no " + reference);
            return node["$ref"] is JsonValue again ? Resolve(again.GetValue<string>()) : node.AsObject();
        }

        /// <summary>The schema of a media type of a request body or a response (references resolved), or null.</summary>
        public static JsonNode? SchemaOf(JsonObject? withContent, string mediaType) => withContent?["content"]?[mediaType]?["schema"];

        /// <summary>
        /// Validates an instance against a schema fragment of the spec: the leaf errors, each as "location: what"
        /// (an empty list when it conforms).
        /// </summary>
        public IReadOnlyList<(string location, string error)> Validate(JsonNode schema, JsonElement instance)
        {
            var text = schema.ToJsonString();
            var built = _schemas.GetOrAdd(text, t =>
            {
                var root = Rebased(JsonNode.Parse(t)!).AsObject();
                if (root["$ref"] is JsonNode r)
                {
                    root.Remove("$ref");
                    root["allOf"] = new JsonArray(new JsonObject { ["$ref"] = r.GetValue<string>() });
                }
                root["$defs"] = _defs.DeepClone();
                var id = System.Threading.Interlocked.Increment(ref _built).ToString(CultureInfo.InvariantCulture);
                return JsonSchema.FromText(root.ToJsonString(), Build, new Uri("https://conformance.ringout.invalid/schema/" + id));
            });
            var results = built.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
            if (results.IsValid) return Array.Empty<(string, string)>();
            return (results.Details ?? (IReadOnlyList<EvaluationResults>)Array.Empty<EvaluationResults>())
                .Where(d => d.Errors != null && d.Errors.Count > 0)
                .SelectMany(d => d.Errors!.Select(e => (d.InstanceLocation.ToString(), $"{e.Key}: {e.Value} (schema {d.SchemaLocation})")))
                .Distinct().ToList();
        }

        /// <summary>The JSON a query or form value stands for under its schema (a number, a boolean, an array of one, or text).</summary>
        public JsonElement Typed(JsonNode schema, string value)
        {
            var s = schema["$ref"] is JsonValue r ? Resolve(r.GetValue<string>()) : schema;
            var type = s["type"]?.GetValue<string>() ?? (s["oneOf"] != null ? "oneOf" : "string");
            JsonNode? node = type switch
            {
                "integer" when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
                "oneOf" when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
                "boolean" when bool.TryParse(value, out var b) => JsonValue.Create(b),
                "array" => new JsonArray(JsonValue.Create(value)),
                _ => JsonValue.Create(value),
            };
            return JsonSerializer.SerializeToElement(node);
        }

        /// <summary>A form body (application/x-www-form-urlencoded) as the object its schema describes.</summary>
        public static JsonElement Form(string text)
        {
            var o = new JsonObject();
            foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var i = pair.IndexOf('=');
                var key = Uri.UnescapeDataString((i < 0 ? pair : pair[..i]).Replace('+', ' '));
                o[key] = Uri.UnescapeDataString((i < 0 ? "" : pair[(i + 1)..]).Replace('+', ' '));
            }
            return JsonSerializer.SerializeToElement(o);
        }

        /// <summary>Query string pairs.</summary>
        public static IEnumerable<(string name, string value)> Query(string query) =>
            query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p =>
            {
                var i = p.IndexOf('=');
                return (Uri.UnescapeDataString(i < 0 ? p : p[..i]), Uri.UnescapeDataString(i < 0 ? "" : p[(i + 1)..]));
            });

        public static bool Matches(string pattern, string text) => Regex.IsMatch(text, pattern, RegexOptions.CultureInvariant);
    }
}
