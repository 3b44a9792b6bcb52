using System;
using System.Diagnostics;
using System.IO;

namespace RingOut.PowerShell.Tests
{
    /// <summary>Debian packages some tests need (chromium, tmux): installed with apt-get, as CI runs as root, when missing.</summary>
    internal static class Debian
    {
        private static readonly object Gate = new object();

        public static void EnsureInstalled(string binary, string package, string who)
        {
            lock (Gate)
            {
                if (File.Exists(binary)) return;
                foreach (var args in new[] { "update -qq", $"install -y -qq --no-install-recommends {package}" })
                {
                    var psi = new ProcessStartInfo("apt-get", args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                    psi.Environment["DEBIAN_FRONTEND"] = "noninteractive";
                    using var p = Process.Start(psi) ?? throw new InvalidOperationException("apt-get could not be started");
                    var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
                    p.WaitForExit();
                    if (p.ExitCode != 0) throw new InvalidOperationException($"{who} needs Debian's {package} package (apt-get install {package}); installing it failed: {output}");
                }
            }
        }
    }
}
