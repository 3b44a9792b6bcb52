using System;
using System.Diagnostics.CodeAnalysis;
using System.Collections.Generic;
using System.Net.Http;
using System.Text.RegularExpressions;

namespace RingOut.Client
{
    /// <summary>Bodies for debug logs, with every credential and token replaced by ***.</summary>
    internal static class Redaction
    {
        private const int MaxLength = 4096;
        private const string SecretNames = "access_token|refresh_token|id_token|ws_access_token|assertion|client_secret|client_assertion|token|code|code_verifier|password|jwt";
        // A secret's value ends at its closing quote, or, in a body cut short, at the end of the text.
        private static readonly Regex JsonSecret = new Regex("(\"(?:" + SecretNames + ")\"\\s*:\\s*)\"(?:[^\"\\\\]|\\\\.)*(?:\\\\)?(?:\"|$)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        private static readonly Regex FormSecret = new Regex("(^|&)(" + SecretNames + ")=[^&]*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        /// <summary>The text with the value of every field that holds a secret replaced, whole or cut short.</summary>
        [return: NotNullIfNotNull(nameof(body))]
        public static string? Text(string? body)
        {
            if (body is null || body.Length == 0) return body;
            var redacted = FormSecret.Replace(JsonSecret.Replace(body, "$1\"***\""), "$1$2=***");
            return redacted.Length > MaxLength ? redacted.Substring(0, MaxLength) + "… (" + redacted.Length + " characters)" : redacted;
        }

        /// <summary>A buffered body (the pipeline buffers every body it reads, bounded), redacted; null when there is none.</summary>
        public static string? Body(HttpContent? content, SecretRedactor secrets)
        {
            if (content == null) return null;
            try
            {
                return secrets.Redact(Text(content.ReadAsStringAsync().GetAwaiter().GetResult()));
            }
            catch (Exception) { return "(body not readable)"; }
        }
    }

    /// <summary>
    /// The secrets one session knows (client secret, JWT, every access and refresh token it held): replaced by ***
    /// in any text that could reach a user, wherever they stand in it, whatever a server wraps around them.
    /// </summary>
    public sealed class SecretRedactor
    {
        private const int MaxKept = 64;
        private const int MinLength = 8; // shorter values would redact ordinary words
        private readonly LinkedList<string> _secrets = new LinkedList<string>();

        internal void Add(string? secret)
        {
            if (secret is null || secret.Length < MinLength) return;
            lock (_secrets)
            {
                if (_secrets.Contains(secret)) return;
                _secrets.AddFirst(secret);
                if (_secrets.Count > MaxKept) _secrets.RemoveLast();
            }
        }

        [return: NotNullIfNotNull(nameof(text))]
        public string? Redact(string? text)
        {
            if (text is null || text.Length == 0) return text;
            lock (_secrets)
                foreach (var s in _secrets)
                    if (text.IndexOf(s, StringComparison.Ordinal) >= 0) text = text.Replace(s, "***");
            return text;
        }

        public override string ToString() => "SecretRedactor (secrets hidden)";
    }
}
