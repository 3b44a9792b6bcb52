using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Security;

namespace RingOut.Client
{
    /// <summary>SecureString helpers: secrets are read into a string only for the moment a request is built.</summary>
    public static class Secret
    {
        [return: NotNullIfNotNull(nameof(value))]
        public static SecureString? From(string? value)
        {
            if (value == null) return null;
            var s = new SecureString();
            foreach (var c in value) s.AppendChar(c);
            s.MakeReadOnly();
            return s;
        }

        [return: NotNullIfNotNull(nameof(secure))]
        internal static string? Reveal(SecureString? secure)
        {
            if (secure == null) return null;
            var ptr = IntPtr.Zero;
            try
            {
                ptr = Marshal.SecureStringToGlobalAllocUnicode(secure);
                return Marshal.PtrToStringUni(ptr);
            }
            finally
            {
                if (ptr != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(ptr);
            }
        }

        [return: NotNullIfNotNull(nameof(s))]
        internal static SecureString? Copy(SecureString? s)
        {
            if (s == null) return null;
            var c = s.Copy();
            c.MakeReadOnly();
            return c;
        }
    }
}
