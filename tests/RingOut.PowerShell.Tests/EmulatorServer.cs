using System.Linq;

namespace RingOut.PowerShell.Tests
{
    /// <summary>The standalone emulator on a free loopback port, on fast timings, for -Server and the RC_* variables.</summary>
    public sealed class EmulatorServer : System.IDisposable
    {
        private readonly RingOut.Testing.EmulatorProcess _process;

        /// <param name="options">More of the server's options (for example --no-rate-limits).</param>
        public EmulatorServer(params string[] options) =>
            _process = new RingOut.Testing.EmulatorProcess(PowerShellHost.ServerAssembly, new[] { "--fast" }.Concat(options).ToArray());

        public System.Collections.Generic.IReadOnlyDictionary<string, string> Variables => _process.Variables;

        public void Dispose() => _process.Dispose();
    }
}
