using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace RingOut.PowerShell.Tests
{
    /// <summary>The standalone emulator on a free loopback port, for -Server and the RC_* variables.</summary>
    public sealed class EmulatorServer : IDisposable
    {
        private readonly Process _process;

        public EmulatorServer()
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { PowerShellHost.ServerAssembly, "--urls", "http://127.0.0.1:0", "--fast" }) psi.ArgumentList.Add(a);
            _process = Process.Start(psi);
            var printed = new Dictionary<string, string>();
            string line;
            while ((line = _process.StandardOutput.ReadLine()) != null && !line.StartsWith("#"))
            {
                var i = line.IndexOf('=');
                if (i > 0) printed[line[..i]] = line[(i + 1)..];
            }
            if (!printed.ContainsKey("RC_SERVER_URL")) throw new InvalidOperationException("The emulator server did not start: " + _process.StandardError.ReadToEnd());
            Variables = printed;
        }

        public IReadOnlyDictionary<string, string> Variables { get; }

        public void Dispose()
        {
            try { _process.Kill(true); } catch (InvalidOperationException) { }
            _process.WaitForExit(5000);
            _process.Dispose();
        }
    }
}
