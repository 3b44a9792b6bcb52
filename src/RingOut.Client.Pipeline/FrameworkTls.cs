using System.Net;

namespace RingOut.Client.Pipeline
{
    /// <summary>
    /// TLS 1.2 for Windows PowerShell 5.1. powershell.exe is built for .NET Framework 4.5, whose HttpClientHandler and
    /// ClientWebSocket then offer only the versions in <see cref="ServicePointManager.SecurityProtocol"/>: SSL 3 and
    /// TLS 1.0, unless the registry says otherwise. RingCentral takes TLS 1.2 and later. Where the process names its
    /// versions, TLS 1.2 is added to them (never taken away, as PowerShellGet does); where it leaves the choice to the
    /// system (.NET, and Framework programs built for 4.7 and later), nothing is changed, so TLS 1.3 stays possible.
    /// Done when a network transport is made (not for the in-process emulator), so a C# caller gets it too.
    /// </summary>
    internal static class FrameworkTls
    {
        /// <summary>SecurityProtocolType.SystemDefault (.NET Framework 4.7 and .NET), which netstandard2.0 does not name.</summary>
        private const SecurityProtocolType SystemDefault = 0;

        public static void AllowTls12()
        {
            var allowed = ServicePointManager.SecurityProtocol;
            if (allowed != SystemDefault && (allowed & SecurityProtocolType.Tls12) == 0)
                ServicePointManager.SecurityProtocol = allowed | SecurityProtocolType.Tls12;
        }
    }
}
