using System;
using System.Diagnostics.CodeAnalysis;
using System.Collections.Generic;
using System.Net.Http;
using System.Text;
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
        public static string? Text(string? body) => Text(body, new SecretRedactor());

        /// <summary>
        /// The text with the value of every field that holds a secret replaced, then every form of every secret the
        /// session knows, then cut to <see cref="MaxLength"/> characters (never inside a secret).
        /// </summary>
        [return: NotNullIfNotNull(nameof(body))]
        public static string? Text(string? body, SecretRedactor secrets)
        {
            if (body is null || body.Length == 0) return body;
            var fields = FormSecret.Replace(JsonSecret.Replace(body, "$1\"***\""), "$1$2=***");
            var redacted = secrets.Redact(fields, MaxLength, out var cut);
            return cut ? redacted + "… (" + fields.Length + " characters)" : redacted;
        }

        /// <summary>A buffered body (the pipeline buffers every body it reads, bounded), redacted; null when there is none.</summary>
        public static string? Body(HttpContent? content, SecretRedactor secrets)
        {
            if (content == null) return null;
            try
            {
                return Text(content.ReadAsStringAsync().GetAwaiter().GetResult(), secrets);
            }
            catch (Exception) { return "(body not readable)"; }
        }
    }

    /// <summary>
    /// The secrets one session knows (client secret, JWT, the Basic credentials made of the client id and secret,
    /// every access and refresh token it held): replaced by *** in any text that could reach a user, wherever they
    /// stand in it, whatever a server wraps around them, and in whatever form a server can echo them: as sent, with
    /// any of their characters JSON-escaped (<c>\u0048</c>, <c>\/</c>) or percent-encoded (<c>%48</c>), in base64
    /// (standard or URL-safe, alone or inside a longer base64 text). The credentials the session was opened with live
    /// as long as it does and are never forgotten; tokens (two at each refresh, one for each WebSocket) are kept by
    /// the thousand, the oldest forgotten first: a session that refreshes every hour forgets none for months. A text
    /// is searched once, whatever the number of secrets.
    /// </summary>
    public sealed class SecretRedactor
    {
        /// <summary>Tokens kept: ten thousand of about a hundred characters, each with its base64 forms, is ten megabytes or so.</summary>
        internal const int MaxTokensKept = 10_000;
        private const int MinLength = 8; // shorter values would redact ordinary words
        private readonly HashSet<string> _known = new HashSet<string>(StringComparer.Ordinal);
        private readonly Queue<string> _tokens = new Queue<string>();
        /// <summary>Every form kept (a secret and its base64 forms), with how many secrets have it.</summary>
        private readonly Dictionary<string, int> _forms = new Dictionary<string, int>(StringComparer.Ordinal);
        /// <summary>Every form kept, by a hash of its first <see cref="MinLength"/> characters (folded, see <see cref="Fold"/>).</summary>
        private readonly Dictionary<ulong, List<string>> _byStart = new Dictionary<ulong, List<string>>();
        /// <summary>
        /// The forms whose first characters hold an escape character ('%', '\\'): tried at every place, as the text may
        /// hold them as they stand or encoded (rare: a password with one, never a token).
        /// </summary>
        private readonly List<string> _unkeyed = new List<string>();

        private static bool Unkeyed(string form) => form.IndexOf('%', 0, MinLength) >= 0 || form.IndexOf('\\', 0, MinLength) >= 0;

        /// <summary>A token (access, refresh, WebSocket): forgotten when <see cref="MaxTokensKept"/> younger ones are known.</summary>
        internal void Add(string? secret) => Add(secret, lifelong: false);

        /// <summary>A credential the session lives by (client secret, JWT, Basic credentials): never forgotten.</summary>
        internal void AddCredential(string? secret) => Add(secret, lifelong: true);

        private void Add(string? secret, bool lifelong)
        {
            if (secret is null || secret.Length < MinLength) return;
            lock (_known)
            {
                if (!_known.Add(secret)) return;
                foreach (var form in Forms(secret)) Keep(form);
                if (lifelong) return;
                _tokens.Enqueue(secret);
                if (_tokens.Count > MaxTokensKept) Forget(_tokens.Dequeue());
            }
        }

        /// <summary>
        /// The secret, and the base64 of its UTF-8 bytes as it stands in a longer base64 text at each of the three
        /// alignments: only the characters that depend on the secret's bytes alone (so <c>Basic base64(id:secret)</c>
        /// and a base64 body that holds a token are both caught).
        /// </summary>
        private static IEnumerable<string> Forms(string secret)
        {
            yield return secret;
            var bytes = Encoding.UTF8.GetBytes(secret);
            for (var k = 0; k < 3; k++)
            {
                var padded = new byte[k + bytes.Length];
                Buffer.BlockCopy(bytes, 0, padded, k, bytes.Length);
                var b64 = Convert.ToBase64String(padded);
                var first = (8 * k + 5) / 6;                 // the first character whose six bits are all the secret's
                var end = 8 * (k + bytes.Length) / 6;        // after the last such character
                if (end - first >= MinLength) yield return b64.Substring(first, end - first);
            }
        }

        private void Keep(string form)
        {
            _forms.TryGetValue(form, out var n);
            _forms[form] = n + 1;
            if (n > 0) return;
            if (Unkeyed(form)) { _unkeyed.Add(form); return; }
            var key = KeyOf(form);
            if (!_byStart.TryGetValue(key, out var list)) _byStart[key] = list = new List<string>(1);
            list.Add(form);
        }

        private void Forget(string secret)
        {
            _known.Remove(secret);
            foreach (var form in Forms(secret))
            {
                if (!_forms.TryGetValue(form, out var n)) continue;
                if (n > 1) { _forms[form] = n - 1; continue; }
                _forms.Remove(form);
                if (Unkeyed(form)) { _unkeyed.Remove(form); continue; }
                var key = KeyOf(form);
                if (!_byStart.TryGetValue(key, out var list)) continue;
                list.Remove(form);
                if (list.Count == 0) _byStart.Remove(key);
            }
        }

        /// <summary>The text with every form of every known secret replaced by ***.</summary>
        [return: NotNullIfNotNull(nameof(text))]
        public string? Redact(string? text) => text is null ? null : Redact(text, int.MaxValue, out _);

        /// <summary>
        /// The text redacted and cut at about <paramref name="limit"/> characters of it (<paramref name="cut"/>: whether
        /// any was left out): never inside a secret, which is replaced whole even when it runs past the limit.
        /// </summary>
        internal string Redact(string text, int limit, out bool cut)
        {
            cut = false;
            StringBuilder? redacted = null;
            var copied = 0;
            lock (_known)
            {
                if (_byStart.Count > 0 || _unkeyed.Count > 0)
                    for (var i = 0; i < text.Length && i < limit;)
                    {
                        var end = LongestAt(text, i);
                        if (end < 0) { i++; continue; }
                        redacted ??= new StringBuilder(Math.Min(text.Length, limit) + 16);
                        redacted.Append(text, copied, i - copied).Append("***");
                        copied = i = end;
                    }
            }
            var stop = Math.Max(copied, Math.Min(limit, text.Length));
            cut = stop < text.Length;
            if (redacted == null) return cut ? text.Substring(0, stop) : text;
            return redacted.Append(text, copied, stop - copied).ToString();
        }

        /// <summary>Where the longest form of a known secret that starts at <paramref name="start"/> ends, or -1.</summary>
        private int LongestAt(string text, int start)
        {
            var best = -1;
            var key = Key(text, start, out var complete);
            if (complete && _byStart.TryGetValue(key, out var candidates))
                foreach (var c in candidates)
                    best = Math.Max(best, Match(text, start, c, 0));
            foreach (var c in _unkeyed) best = Math.Max(best, Match(text, start, c, 0));
            return best;
        }

        /// <summary>
        /// Where the text, from <paramref name="j"/>, ends spelling <paramref name="form"/> from <paramref name="k"/>
        /// (each character as is or encoded), or -1.
        /// </summary>
        private static int Match(string text, int j, string form, int k)
        {
            for (; k < form.Length; k++)
            {
                if (j >= text.Length) return -1;
                var next = Next(text, j, out var ch);
                var want = Fold(form[k]);
                var decoded = Fold(ch) == want;
                if (next == j + 1) { if (!decoded) return -1; j = next; continue; }
                // An escape: the form may hold its first character as it stands ('%' or '\\' in a password).
                if (Fold(text[j]) == want)
                {
                    var end = Match(text, j + 1, form, k + 1);
                    if (end >= 0 || !decoded) return end;
                }
                if (!decoded) return -1;
                j = next;
            }
            return j;
        }

        /// <summary>A hash of the first <see cref="MinLength"/> characters the text spells from <paramref name="start"/>, folded.</summary>
        private static ulong Key(string text, int start, out bool complete)
        {
            var hash = 14695981039346656037UL;
            var j = start;
            var n = 0;
            for (; n < MinLength && j < text.Length; n++)
            {
                j = Next(text, j, out var ch);
                hash = (hash ^ Fold(ch)) * 1099511628211UL;
            }
            complete = n == MinLength;
            return hash;
        }

        /// <summary>The same hash of a form's own first characters, as they stand.</summary>
        private static ulong KeyOf(string form)
        {
            var hash = 14695981039346656037UL;
            for (var n = 0; n < MinLength; n++) hash = (hash ^ Fold(form[n])) * 1099511628211UL;
            return hash;
        }

        /// <summary>
        /// The character the text spells at <paramref name="j"/> (as is, JSON-escaped or percent-encoded) and where
        /// the next one starts.
        /// </summary>
        private static int Next(string text, int j, out char ch)
        {
            var c = text[j];
            if (c == '\\' && j + 1 < text.Length)
            {
                switch (text[j + 1])
                {
                    case 'u' when j + 5 < text.Length && Hex(text[j + 2]) >= 0 && Hex(text[j + 3]) >= 0 && Hex(text[j + 4]) >= 0 && Hex(text[j + 5]) >= 0:
                        ch = (char)((Hex(text[j + 2]) << 12) | (Hex(text[j + 3]) << 8) | (Hex(text[j + 4]) << 4) | Hex(text[j + 5]));
                        return j + 6;
                    case '"': case '\\': case '/': ch = text[j + 1]; return j + 2;
                    case 'b': ch = '\b'; return j + 2;
                    case 'f': ch = '\f'; return j + 2;
                    case 'n': ch = '\n'; return j + 2;
                    case 'r': ch = '\r'; return j + 2;
                    case 't': ch = '\t'; return j + 2;
                }
            }
            else if (c == '%' && j + 2 < text.Length && Hex(text[j + 1]) is int hi && hi >= 0 && hi < 8 && Hex(text[j + 2]) is int lo && lo >= 0)
            {
                ch = (char)((hi << 4) | lo);
                return j + 3;
            }
            ch = c;
            return j + 1;
        }

        private static int Hex(char c) => c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

        /// <summary>URL-safe base64 spelled as standard: '-' as '+', '_' as '/' (a secret that differs from a text only there is still taken for it).</summary>
        private static char Fold(char c) => c == '-' ? '+' : c == '_' ? '/' : c;

        public override string ToString() => "SecretRedactor (secrets hidden)";
    }
}
