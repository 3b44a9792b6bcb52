using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;

namespace RingOut.Emulator
{
    /// <summary>What an OAuth request carries, read as RingCentral reads it: the client's credentials (Basic or client_id) and the form body.</summary>
    internal static class OAuthForm
    {
        public static string? ClientIdOf(EmulatorRequest req)
        {
            var basic = BasicCredentials(req);
            if (basic != null) return basic.Value.id;
            var form = Form.Parse(Encoding.UTF8.GetString(req.Body ?? Array.Empty<byte>()));
            return form.TryGetValue("client_id", out var id) ? id : null;
        }

        public static (string id, string secret)? BasicCredentials(EmulatorRequest req)
        {
            var h = req.Header("Authorization");
            if (h == null || !h.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
            try
            {
                var text = Encoding.UTF8.GetString(Convert.FromBase64String(h.Substring(6).Trim()));
                var i = text.IndexOf(':');
                return i < 0 ? (text, "") : (text.Substring(0, i), text.Substring(i + 1));
            }
            catch (FormatException) { return null; }
        }

        public static byte[] Sha256(string s) { using (var h = SHA256.Create()) return h.ComputeHash(Encoding.ASCII.GetBytes(s)); }

        public static bool FixedTimeEquals(string a, string b)
        {
            var x = Encoding.UTF8.GetBytes(a ?? ""); var y = Encoding.UTF8.GetBytes(b ?? "");
            var diff = x.Length ^ y.Length;
            for (var i = 0; i < Math.Min(x.Length, y.Length); i++) diff |= x[i] ^ y[i];
            return diff == 0;
        }

        public static Dictionary<string, string> FormBody(EmulatorRequest req)
        {
            var ct = req.Header("Content-Type") ?? "";
            if (!ct.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
                throw EmulatorError.OAuth(415, "invalid_request", "OAU-101", "Content-Type must be application/x-www-form-urlencoded");
            return Form.Parse(Encoding.UTF8.GetString(req.Body ?? Array.Empty<byte>()));
        }
    }
}
