using System.Globalization;
using System;
using System.Diagnostics.CodeAnalysis;

namespace RingOut.Client
{
    /// <summary>Which value of a path an id is.</summary>
    public enum RingCentralIdKind
    {
        AccountId,
        ExtensionId,
        CallId,
        /// <summary>A telephony session id (Call Control), such as s-a0d7…: letters, digits and '-'.</summary>
        TelephonySessionId,
    }

    /// <summary>
    /// Every value put into a request path, and the "~" that means "me": the one place they are checked. A value is
    /// what RingCentral issues (ASCII digits; "~" for an account or extension) or it is refused before any request is
    /// built, so that no dot segment, separator, encoding or Unicode trick can move a request to another endpoint.
    /// </summary>
    public static class ApiPaths
    {
        /// <summary>"The signed-in user's account or extension".</summary>
        public const string Me = "~";

        /// <summary>RingCentral's ids are 64-bit numbers: at most 19 digits.</summary>
        private const int MaxDigits = 19;

        /// <summary>
        /// Checks an account or extension id: "~" or digits (surrounding white space is dropped; null or empty means
        /// "~"). Gives the value to use, or a sentence that says what is wrong.
        /// </summary>
        public static bool TryOwner(RingCentralIdKind kind, string? value, [NotNullWhen(true)] out string? segment, [NotNullWhen(false)] out string? error)
        {
            if (value == null || value.Length == 0) { segment = Me; error = null; return true; }
            var trimmed = value.Trim();
            if (trimmed == Me) { segment = Me; error = null; return true; }
            return TryDigits(kind, value, trimmed, out segment, out error);
        }

        /// <summary>Checks a RingOut call id: digits only (surrounding white space is dropped).</summary>
        public static bool TryCallId(string? value, [NotNullWhen(true)] out string? id, [NotNullWhen(false)] out string? error) =>
            TryDigits(RingCentralIdKind.CallId, value, value?.Trim(), out id, out error);

        private static bool TryDigits(RingCentralIdKind kind, string? raw, string? trimmed, [NotNullWhen(true)] out string? result, [NotNullWhen(false)] out string? error)
        {
            result = null;
            if (trimmed is null || trimmed.Length == 0)
            {
                error = $"{Describe(kind)} is required, but the value is empty.";
                return false;
            }
            var digits = trimmed.Length <= MaxDigits;
            foreach (var c in trimmed) digits &= c >= '0' && c <= '9';
            if (!digits)
            {
                error = $"'{Quote(raw)}' is not {Article(kind)}: RingCentral's ids are made of the digits 0-9 (at most {MaxDigits})" +
                        (kind == RingCentralIdKind.CallId ? "." : ", or ~ for your own.");
                return false;
            }
            result = trimmed;
            error = null;
            return true;
        }

        internal static string Owner(RingCentralIdKind kind, string? value) =>
            TryOwner(kind, value, out var segment, out var error) ? segment : throw new RingCentralInvalidIdException(kind, value, error);

        internal static string CallId(string? value) =>
            TryCallId(value, out var id, out var error) ? id : throw new RingCentralInvalidIdException(RingCentralIdKind.CallId, value, error);

        /// <summary>/restapi/v1.0/account/{account}/extension/{extension}</summary>
        internal static string Extension(string? accountId, string? extensionId) =>
            $"/restapi/v1.0/account/{Owner(RingCentralIdKind.AccountId, accountId)}/extension/{Owner(RingCentralIdKind.ExtensionId, extensionId)}";

        /// <summary>…/ring-out[/{id}], the canonical segment (never the legacy /ringout of the call's uri).</summary>
        internal static string RingOut(string? accountId, string? extensionId, string? callId = null) =>
            Extension(accountId, extensionId) + "/ring-out" + (callId == null ? "" : "/" + CallId(callId));

        /// <summary>…/call-log of an extension.</summary>
        internal static string CallLog(string? accountId, string? extensionId) => Extension(accountId, extensionId) + "/call-log";

        /// <summary>…/active-calls of an extension.</summary>
        internal static string ActiveCalls(string? accountId, string? extensionId) => Extension(accountId, extensionId) + "/active-calls";

        /// <summary>/restapi/v1.0/account/{account}/telephony/sessions/{telephonySessionId}: Call Control.</summary>
        internal static string TelephonySession(string? accountId, string? telephonySessionId)
        {
            var id = telephonySessionId?.Trim();
            var ok = id != null && id.Length > 0 && id.Length <= 128;
            if (id != null && ok) foreach (var c in id) ok &= (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
            if (!ok)
                throw new RingCentralInvalidIdException(RingCentralIdKind.TelephonySessionId, telephonySessionId,
                    $"'{Quote(telephonySessionId)}' is not a telephony session id: RingCentral's are letters, digits and '-'.");
            return $"/restapi/v1.0/account/{Owner(RingCentralIdKind.AccountId, accountId)}/telephony/sessions/{id!}";
        }

        internal static string Describe(RingCentralIdKind kind)
        {
            switch (kind)
            {
                case RingCentralIdKind.AccountId: return "An account id";
                case RingCentralIdKind.ExtensionId: return "An extension id";
                case RingCentralIdKind.TelephonySessionId: return "A telephony session id";
                default: return "A RingOut call id";
            }
        }

        private static string Article(RingCentralIdKind kind) => Describe(kind).Substring(0, 1).ToLowerInvariant() + Describe(kind).Substring(1);

        /// <summary>The value as it can be shown: control characters escaped, long values cut (on a whole character).</summary>
        internal static string Quote(string? value)
        {
            if (value == null) return "";
            var sb = new System.Text.StringBuilder();
            for (var i = 0; i < value.Length && sb.Length < 80; i++)
            {
                var c = value[i];
                if (char.IsControl(c)) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                else if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) { sb.Append(c).Append(value[++i]); }
                else if (char.IsSurrogate(c)) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                else sb.Append(c);
            }
            return sb.Length < value.Length && sb.Length >= 80 ? sb + "…" : sb.ToString();
        }
    }

    /// <summary>An id that is not what RingCentral issues: refused before any request was built.</summary>
    public sealed class RingCentralInvalidIdException : ArgumentException
    {
        public RingCentralInvalidIdException(RingCentralIdKind kind, string? value, string message) : base(message)
        {
            Kind = kind; Value = value;
        }

        public RingCentralIdKind Kind { get; }
        public string? Value { get; }
    }
}
