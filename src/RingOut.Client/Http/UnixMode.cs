using System;
using System.IO;

namespace RingOut.Client.Http
{
    /// <summary>
    /// Unix permissions, through the APIs of .NET 7 and later (PowerShell 7 runs on them; netstandard2.0 does not
    /// name them); nothing on Windows, where the user's profile folder's ACL is inherited.
    /// </summary>
    internal static class UnixMode
    {
        public const int OwnerAll = 0x1C0;       // 0700
        public const int OwnerReadWrite = 0x180; // 0600

        private static readonly Type? ModeType = Type.GetType("System.IO.UnixFileMode");
        private static readonly System.Reflection.MethodInfo? SetMode =
            ModeType == null ? null : typeof(File).GetMethod("SetUnixFileMode", new[] { typeof(string), ModeType });
        private static readonly System.Reflection.MethodInfo? CreateWithMode =
            ModeType == null ? null : typeof(Directory).GetMethod("CreateDirectory", new[] { typeof(string), ModeType });

        private static bool Unix => System.IO.Path.DirectorySeparatorChar == '/';

        /// <summary>Sets the mode of a file or folder; false when it could not be (not its owner).</summary>
        public static bool Set(string path, int mode)
        {
            if (!Unix || SetMode == null || ModeType == null) return true;
            try { SetMode.Invoke(null, new[] { path, Enum.ToObject(ModeType, mode) }); return true; }
            catch (System.Reflection.TargetInvocationException e) when (e.InnerException is IOException || e.InnerException is UnauthorizedAccessException) { return false; }
        }

        /// <summary>Makes a folder that only its owner can enter (on Windows, one that inherits its parent's ACL).</summary>
        public static void CreatePrivateDirectory(string path)
        {
            if (!Unix || CreateWithMode == null || ModeType == null) { Directory.CreateDirectory(path); return; }
            try { CreateWithMode.Invoke(null, new[] { path, Enum.ToObject(ModeType, OwnerAll) }); }
            catch (System.Reflection.TargetInvocationException e) when (e.InnerException != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            }
            // The umask may have taken bits away, never added: set it exactly.
            Set(path, OwnerAll);
        }
    }
}
