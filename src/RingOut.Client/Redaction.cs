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
    /// The credentials the session was opened with live as long as it does and are never forgotten; tokens (two at
    /// each refresh, one for each WebSocket) are kept by the thousand, the oldest forgotten first: a session that
    /// refreshes every hour forgets none for months. A text is searched once, whatever the number of secrets.
    /// </summary>
    public sealed class SecretRedactor
    {
        /// <summary>Tokens kept: ten thousand of about a hundred characters is a megabyte or two.</summary>
        internal const int MaxTokensKept = 10_000;
        private const int MinLength = 8; // shorter values would redact ordinary words
        private readonly HashSet<string> _known = new HashSet<string>(StringComparer.Ordinal);
        private readonly Queue<string> _tokens = new Queue<string>();
        /// <summary>Every secret kept, by its first <see cref="MinLength"/> characters.</summary>
        private readonly Dictionary<string, List<string>> _byStart = new Dictionary<string, List<string>>(StringComparer.Ordinal);

        /// <summary>A token (access, refresh, WebSocket): forgotten when <see cref="MaxTokensKept"/> younger ones are known.</summary>
        internal void Add(string? secret) => Add(secret, lifelong: false);

        /// <summary>A credential the session lives by (client secret, JWT): never forgotten.</summary>
        internal void AddCredential(string? secret) => Add(secret, lifelong: true);

        private void Add(string? secret, bool lifelong)
        {
            if (secret is null || secret.Length < MinLength) return;
            lock (_known)
            {
                if (!_known.Add(secret)) return;
                var start = secret.Substring(0, MinLength);
                if (!_byStart.TryGetValue(start, out var list)) _byStart[start] = list = new List<string>(1);
                list.Add(secret);
                if (lifelong) return;
                _tokens.Enqueue(secret);
                if (_tokens.Count > MaxTokensKept) Forget(_tokens.Dequeue());
            }
        }

        private void Forget(string secret)
        {
            _known.Remove(secret);
            var start = secret.Substring(0, MinLength);
            if (!_byStart.TryGetValue(start, out var list)) return;
            list.Remove(secret);
            if (list.Count == 0) _byStart.Remove(start);
        }

        [return: NotNullIfNotNull(nameof(text))]
        public string? Redact(string? text)
        {
            if (text is null || text.Length < MinLength) return text;
            System.Text.StringBuilder? redacted = null;
            var copied = 0;
            lock (_known)
            {
                if (_byStart.Count == 0) return text;
                for (var i = 0; i + MinLength <= text.Length;)
                {
                    // The longest secret that starts here, if any.
                    string? found = null;
                    if (_byStart.TryGetValue(text.Substring(i, MinLength), out var candidates))
                        foreach (var c in candidates)
                            if (i + c.Length <= text.Length && (found == null || c.Length > found.Length) && string.CompareOrdinal(text, i, c, 0, c.Length) == 0)
                                found = c;
                    if (found == null) { i++; continue; }
                    redacted ??= new System.Text.StringBuilder(text.Length);
                    redacted.Append(text, copied, i - copied).Append("***");
                    i += found.Length;
                    copied = i;
                }
            }
            return redacted == null ? text : redacted.Append(text, copied, text.Length - copied).ToString();
        }

        public override string ToString() => "SecretRedactor (secrets hidden)";
    }
}
