using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json.Nodes;

namespace RingOut.Emulator
{
    /// <summary>A request as either hosting hands it to the emulator core.</summary>
    public sealed class EmulatorRequest
    {
        public string Method { get; set; } = "GET";
        /// <summary>The path, without query string, e.g. <c>/restapi/v1.0/account/~/extension/~/ring-out</c>.</summary>
        public string Path { get; set; } = "/";
        /// <summary>The raw query string, without the leading '?'.</summary>
        public string Query { get; set; } = "";
        /// <summary>Scheme and authority the client used, to build absolute <c>uri</c> fields.</summary>
        public string BaseUri { get; set; } = "";
        public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        public byte[] Body { get; set; } = Array.Empty<byte>();
        /// <summary>True when the body was larger than the hosting would read.</summary>
        public bool BodyTooLarge { get; set; }

        public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
    }

    /// <summary>How the connection ends, for the connection-drop faults.</summary>
    public enum ConnectionOutcome { Respond, DropBeforeActing, DropAfterActing }

    /// <summary>What the emulator core answers.</summary>
    public sealed class EmulatorResponse
    {
        public int StatusCode { get; set; } = 200;
        public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        public byte[] Body { get; set; } = Array.Empty<byte>();
        public string? ContentType { get; set; }
        public ConnectionOutcome Connection { get; set; } = ConnectionOutcome.Respond;

        internal static EmulatorResponse Json(int status, JsonNode body)
        {
            return new EmulatorResponse
            {
                StatusCode = status,
                ContentType = "application/json; charset=utf-8",
                Body = Encoding.UTF8.GetBytes(body.ToJsonString()),
            };
        }

        internal static EmulatorResponse Empty(int status) => new EmulatorResponse { StatusCode = status };

        /// <summary>RingCentral's REST error body: top-level errorCode and message, and the errors array.</summary>
        internal static EmulatorResponse Error(int status, string code, string message, string? parameterName = null) =>
            Json(status, ErrorBody(code, message, parameterName));

        /// <summary>The body of <see cref="Error"/>, for the answers carried over the WebSocket too.</summary>
        internal static JsonObject ErrorBody(string code, string message, string? parameterName = null)
        {
            var item = new JsonObject { ["errorCode"] = code, ["message"] = message };
            if (parameterName != null) item["parameterName"] = parameterName;
            return new JsonObject
            {
                ["errorCode"] = code,
                ["message"] = message,
                ["errors"] = new JsonArray(item),
            };
        }

        /// <summary>RingCentral's OAuth error body: error, error_description and errors[].</summary>
        internal static EmulatorResponse OAuthError(int status, string error, string code, string description)
        {
            return Json(status, new JsonObject
            {
                ["error"] = error,
                ["error_description"] = description,
                ["errors"] = new JsonArray(new JsonObject { ["errorCode"] = code, ["message"] = description }),
            });
        }
    }

    /// <summary>Thrown inside the core to answer with a RingCentral-style error.</summary>
    internal sealed class EmulatorError : Exception
    {
        public EmulatorError(EmulatorResponse response) : base("emulator error response") { Response = response; }
        public EmulatorResponse Response { get; }

        public static EmulatorError Rest(int status, string code, string message, string? parameterName = null) =>
            new EmulatorError(EmulatorResponse.Error(status, code, message, parameterName));

        public static EmulatorError OAuth(int status, string error, string code, string description) =>
            new EmulatorError(EmulatorResponse.OAuthError(status, error, code, description));
    }

    internal static class Form
    {
        public static Dictionary<string, string> Parse(string text)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (string.IsNullOrEmpty(text)) return result;
            foreach (var pair in text.Split('&'))
            {
                if (pair.Length == 0) continue;
                var i = pair.IndexOf('=');
                var k = Uri.UnescapeDataString((i < 0 ? pair : pair.Substring(0, i)).Replace('+', ' '));
                var v = i < 0 ? "" : Uri.UnescapeDataString(pair.Substring(i + 1).Replace('+', ' '));
                result[k] = v;
            }
            return result;
        }
    }
}
