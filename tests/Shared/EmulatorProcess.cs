using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace RingOut.Testing
{
    /// <summary>
    /// The standalone emulator (RingOut.Emulator.Server) in a child process on a free loopback port, with the RC_*
    /// lines it printed. Linked into every project that starts it.
    /// </summary>
    public sealed class EmulatorProcess : IDisposable
    {
        private readonly Process _process;

        public EmulatorProcess(string serverAssembly, params string[] options)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(serverAssembly);
            psi.ArgumentList.Add("--urls");
            psi.ArgumentList.Add("http://127.0.0.1:0");
            foreach (var o in options) psi.ArgumentList.Add(o);
            _process = Process.Start(psi);
            var printed = new Dictionary<string, string>();
            string line;
            while ((line = _process.StandardOutput.ReadLine()) != null && !line.StartsWith("#"))
            {
                var i = line.IndexOf('=');
                if (i > 0) printed[line.Substring(0, i)] = line.Substring(i + 1);
            }
            if (!printed.TryGetValue("RC_SERVER_URL", out var url))
                throw new InvalidOperationException("The emulator server did not start: " + _process.StandardError.ReadToEnd());
            // The rest, read as it comes (and so never left to fill the pipe): comments, and the variables as a line
            // to paste into bash and one for pwsh.
            var output = _process.StandardOutput;
            System.Threading.Tasks.Task.Run(() =>
            {
                string more;
                while ((more = output.ReadLine()) != null) lock (_rest) _rest.Add(more);
            });
            Variables = printed;
            Url = new Uri(url);
        }

        /// <summary>RC_SERVER_URL, RC_APP_CLIENT_ID, RC_APP_CLIENT_SECRET and RC_USER_JWT, as printed.</summary>
        public IReadOnlyDictionary<string, string> Variables { get; }
        public Uri Url { get; }

        private readonly List<string> _rest = new List<string>();

        /// <summary>What the server printed after its first # line, so far.</summary>
        public IReadOnlyList<string> PrintedAfter { get { lock (_rest) return _rest.ToArray(); } }

        public void Dispose()
        {
            try { _process.Kill(true); } catch (InvalidOperationException) { }
            _process.WaitForExit(5000);
            _process.Dispose();
        }
    }
}
