using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json;

namespace RingOut.Client
{
    /// <summary>One entry of RingCentral's <c>errors</c> array.</summary>
    public sealed class RingCentralErrorDetail
    {
        public string? ErrorCode { get; internal set; }
        public string? Message { get; internal set; }
        public string? ParameterName { get; internal set; }
        public override string ToString() => ParameterName == null ? $"{ErrorCode}: {Message}" : $"{ErrorCode}: {Message} [{ParameterName}]";
    }

    /// <summary>
    /// RingCentral answered with an error. Keeps the HTTP status, the API's errorCode and message (REST or OAuth
    /// form), the parameter it names, the RCRequestId and the rate-limit state, for support and for scripts.
    /// </summary>
    public class RingCentralApiException : Exception
    {
        internal RingCentralApiException(string message, HttpStatusCode status, string? errorCode, string? apiMessage,
            IReadOnlyList<RingCentralErrorDetail> details, string? requestId, TimeSpan? retryAfter, string? rateLimitGroup, int? rateLimitRemaining)
            : base(message)
        {
            StatusCode = status; ErrorCode = errorCode; ApiMessage = apiMessage; Details = details; RequestId = requestId;
            RetryAfter = retryAfter; RateLimitGroup = rateLimitGroup; RateLimitRemaining = rateLimitRemaining;
        }

        public HttpStatusCode StatusCode { get; }
        /// <summary>RingCentral's code, such as CMN-101 or OAU-140 (for OAuth errors, the first errors[] code, else the RFC 6749 error).</summary>
        public string? ErrorCode { get; }
        public string? ApiMessage { get; }
        public string? ParameterName => Details.Select(d => d.ParameterName).FirstOrDefault(p => p != null);
        public IReadOnlyList<RingCentralErrorDetail> Details { get; }
        public string? RequestId { get; }
        public TimeSpan? RetryAfter { get; }
        public string? RateLimitGroup { get; }
        public int? RateLimitRemaining { get; }

        public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;

        internal static RingCentralApiException From(HttpResponseMessage response, byte[] body, string what, SecretRedactor secrets)
        {
            string? code = null, message = null;
            var details = new List<RingCentralErrorDetail>();
            try
            {
                using (var doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 }))
                {
                    var root = doc.RootElement;
                    if (root.ValueKind == JsonValueKind.Object)
                    {
                        code = Str(root, "errorCode");
                        message = Str(root, "message") ?? Str(root, "error_description") ?? Str(root, "description");
                        if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
                            foreach (var e in errors.EnumerateArray().Take(20))
                                if (e.ValueKind == JsonValueKind.Object)
                                    details.Add(new RingCentralErrorDetail { ErrorCode = secrets.Redact(Str(e, "errorCode")), Message = secrets.Redact(Str(e, "message")), ParameterName = secrets.Redact(Str(e, "parameterName")) });
                        code = code ?? details.Select(d => d.ErrorCode).FirstOrDefault(c => c != null) ?? Str(root, "error");
                        message = message ?? details.Select(d => d.Message).FirstOrDefault(m => m != null);
                    }
                }
            }
            catch (JsonException) { }
            // A hostile or broken server may echo what it was sent: nothing it says reaches the user unredacted.
            code = secrets.Redact(code);
            message = secrets.Redact(message);
            var status = (int)response.StatusCode;
            var requestId = secrets.Redact(Header(response, "RCRequestId"));
            TimeSpan? retryAfter;
            try { retryAfter = Http.ServerValues.RetryAfter(response, DateTimeOffset.UtcNow); }
            catch (RingCentralServerValueException) { retryAfter = null; }
            var group = secrets.Redact(Header(response, "X-Rate-Limit-Group"));
            var remaining = Http.ServerValues.RemainingShown(response);
            var text = $"RingCentral refused {what}: HTTP {status}" +
                       (code != null ? $" {code}" : "") +
                       (message != null ? $": {Limit(message)}" : body.Length == 0 ? " with an empty body" : " with a body that is not a RingCentral error") +
                       (requestId != null ? $" (RCRequestId {requestId})" : "") + "." +
                       (retryAfter is TimeSpan ra ? $" It asked to wait {ra.TotalSeconds:0} s (Retry-After)." : "");
            return new RingCentralApiException(text, response.StatusCode, code, message, details, requestId, retryAfter, group, remaining);
        }

        private static string Limit(string s) => s.Length > 500 ? s.Substring(0, 500) + "…" : s;

        private static string? Str(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        internal static string? Header(HttpResponseMessage r, string name) =>
            r.Headers.TryGetValues(name, out var v) || (r.Content != null && r.Content.Headers.TryGetValues(name, out v)) ? v.FirstOrDefault() : null;

        /// <summary>
        /// Whether a body is RingCentral's own error (<c>errorCode</c>, or OAuth's <c>error</c> with <c>errors</c>):
        /// what only the platform itself sends, unlike a gateway's or a proxy's page.
        /// </summary>
        internal static bool IsRingCentralError(byte[]? body)
        {
            if (body == null || body.Length == 0) return false;
            try
            {
                using (var doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 }))
                {
                    var root = doc.RootElement;
                    return root.ValueKind == JsonValueKind.Object &&
                           (Str(root, "errorCode") != null || (Str(root, "error") != null && root.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Array));
                }
            }
            catch (JsonException) { return false; }
        }
    }

    /// <summary>Signing in, or refreshing the session, failed: run Connect-RingCentral (or the client's connect) again.</summary>
    public sealed class RingCentralAuthenticationException : Exception
    {
        public RingCentralAuthenticationException(string message, Exception? inner = null) : base(message, inner) { }
        /// <summary>RingCentral's code for the refusal (OAU-…), when it gave one.</summary>
        public string? ErrorCode => InnerException is RingCentralApiException api ? api.ErrorCode : (InnerException as RingCentralAuthenticationException)?.ErrorCode;
    }

    /// <summary>
    /// A request that changes something (placing a call) was sent, and no answer came back: RingCentral may or may
    /// not have acted. It is never sent again on its own; the user must check.
    /// </summary>
    public sealed class RingOutOutcomeUnknownException : Exception
    {
        public RingOutOutcomeUnknownException(string message, Exception? inner) : base(message, inner) { }
    }

    /// <summary>A wait told to follow calls through telephony events (-Via Events) on a session that cannot subscribe to them.</summary>
    public sealed class RingOutEventsUnavailableException : InvalidOperationException
    {
        public RingOutEventsUnavailableException(string message) : base(message) { }
    }

    /// <summary>A call given neither a from number nor a forwarding number id, for an extension that has no forwarding number to ring first. Nothing was sent.</summary>
    public sealed class RingOutNoForwardingNumberException : InvalidOperationException
    {
        public RingOutNoForwardingNumberException(string message) : base(message) { }
    }

    /// <summary>A connected RingOut that cannot be hung up: its telephony session cannot be found, or cannot be told from another.</summary>
    public sealed class RingOutHangUpException : InvalidOperationException
    {
        public RingOutHangUpException(string message, bool notLive = false) : base(message) { NotLive = notLive; }

        /// <summary>The call is not among the extension's live calls: it ended (by itself, or on the phone) before the hang-up.</summary>
        public bool NotLive { get; }
    }

    /// <summary>
    /// The server sent a number no RingCentral server sends (a Retry-After of years, a negative limit, a token that
    /// expires in a thousand years). It is not taken: nothing waits on it, and no budget keeps it.
    /// </summary>
    public sealed class RingCentralServerValueException : Exception
    {
        public RingCentralServerValueException(string name, string? value, string allowed)
            : base($"RingCentral's answer had {name}: {ApiPaths.Quote(value)}, which is not a value RingCentral sends ({allowed}); it was not taken.")
        {
            Name = name; Value = value;
        }

        /// <summary>The header or field.</summary>
        public string Name { get; }
        public string? Value { get; }
    }

    /// <summary>
    /// The server answered with a redirect. RingCentral's API never redirects, so it was not followed: no credential,
    /// body or request went to the address it named.
    /// </summary>
    public sealed class RingCentralRedirectException : Exception
    {
        public RingCentralRedirectException(string message, Uri? location) : base(message) { Location = location; }
        /// <summary>Where the server wanted the request to go (never contacted).</summary>
        public Uri? Location { get; }
    }

    /// <summary>The server answered 2xx with a body that could not be read as the documented JSON.</summary>
    public sealed class RingCentralProtocolException : Exception
    {
        public RingCentralProtocolException(string message, Exception? inner = null) : base(message, inner) { }
    }
}
