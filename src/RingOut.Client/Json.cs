using System.Text.Json;

namespace RingOut.Client
{
    internal static class Json
    {
        /// <summary>
        /// The most parties of one call the client keeps (a telephony event's parties, a call log record's legs): a
        /// RingOut has two, a transferred or conferenced call a few more; the rest of a longer list is not read.
        /// </summary>
        public const int MaxParties = 16;

        /// <summary>The longest string kept of what a server sent for the client to keep (ids, numbers, status codes and reasons): 256 characters.</summary>
        public const int MaxKeptString = 256;

        /// <summary>A string the client keeps: absent when it is not a string, or longer than <see cref="MaxKeptString"/> (no id, number or code is that long).</summary>
        public static string? KeptStr(JsonElement e, string name)
        {
            var v = Get(e, name);
            return v.ValueKind == JsonValueKind.String && v.GetString() is string s && s.Length <= MaxKeptString ? s : null;
        }

        public static string? Str(JsonElement e, string name)
        {
            var v = Get(e, name);
            return v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        }

        /// <summary>
        /// A member of an object; default (Undefined) when <paramref name="e"/> is not an object or lacks it. Every value
        /// from a server is read through these: a value of the wrong JSON type is absent, never an exception.
        /// </summary>
        public static JsonElement Get(JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v : default;

        /// <summary>A member that is an object; default when it is absent or anything else.</summary>
        public static JsonElement Obj(JsonElement e, string name)
        {
            var v = Get(e, name);
            return v.ValueKind == JsonValueKind.Object ? v : default;
        }

        /// <summary>A member that is an array; default when it is absent or anything else.</summary>
        public static JsonElement Arr(JsonElement e, string name)
        {
            var v = Get(e, name);
            return v.ValueKind == JsonValueKind.Array ? v : default;
        }

        /// <summary>A member that is a JSON number within a long; null when absent, a string ("99"), a fraction or out of range.</summary>
        public static long? Long(JsonElement e, string name)
        {
            var v = Get(e, name);
            return v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : (long?)null;
        }

        /// <summary>A member that is a JSON number within an int; null otherwise.</summary>
        public static int? Int(JsonElement e, string name)
        {
            var v = Get(e, name);
            return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? n : (int?)null;
        }

        /// <summary>An id that may come as a JSON number or a string, kept as an opaque string.</summary>
        public static string? IdString(JsonElement e, string name)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v)) return null;
            switch (v.ValueKind)
            {
                case JsonValueKind.String: return v.GetString();
                case JsonValueKind.Number: return v.GetRawText();
                default: return null;
            }
        }
    }
}
