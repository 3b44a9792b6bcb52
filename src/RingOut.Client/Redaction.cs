using System.Net.Http;
using System.Text.RegularExpressions;

namespace RingOut.Client
{
    /// <summary>Bodies for debug logs, with every credential and token replaced by ***.</summary>
    internal static class Redaction
    {
        private const int MaxLength = 4096;
        private const string SecretNames = "access_token|refresh_token|id_token|ws_access_token|assertion|client_secret|client_assertion|refresh_token|token|code|code_verifier|password|jwt";
        private static readonly Regex JsonSecret = new Regex("(\"(?:" + SecretNames + ")\"\\s*:\\s*)\"(?:[^\"\\\\]|\\\\.)*\"", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        private static readonly Regex FormSecret = new Regex("(^|&)(" + SecretNames + ")=[^&]*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        public static string Text(string body)
        {
            if (string.IsNullOrEmpty(body)) return body;
            var redacted = FormSecret.Replace(JsonSecret.Replace(body, "$1\"***\""), "$1$2=***");
            return redacted.Length > MaxLength ? redacted.Substring(0, MaxLength) + "… (" + redacted.Length + " characters)" : redacted;
        }

        /// <summary>A buffered body (all the pipeline sends and reads is buffered), redacted; null when there is none.</summary>
        public static string Body(HttpContent content)
        {
            if (content == null) return null;
            try
            {
                content.LoadIntoBufferAsync().GetAwaiter().GetResult();
                return Text(content.ReadAsStringAsync().GetAwaiter().GetResult());
            }
            catch (System.Exception) { return "(body not readable)"; }
        }
    }
}
