using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json;
using Xunit;

namespace RingOut.Emulator.Tests
{
    /// <summary>
    /// RingCentral's own JavaScript SDK (@ringcentral/sdk, installed by the test with npm) against the standalone
    /// emulator, given only the values the server printed: it logs in with the JWT, places a RingOut and polls it to
    /// its end, cancels another, refreshes the token and logs out (tests/sdk-interop/interop.js).
    /// </summary>
    public sealed class OfficialSdkTests
    {
        private static string Metadata(string key) =>
            typeof(OfficialSdkTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value;

        private static (int exit, string output) Run(string file, string args, string folder, System.Collections.Generic.IReadOnlyDictionary<string, string> env = null)
        {
            var psi = new ProcessStartInfo(file, args) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
            using var p = Process.Start(psi);
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(180_000)) { p.Kill(true); return (-1, "timed out: " + stdout); }
            return (p.ExitCode, stdout + stderr.Result);
        }

        [Fact]
        public void RingCentrals_own_sdk_logs_in_places_polls_cancels_refreshes_and_logs_out()
        {
            var folder = Path.GetFullPath(Metadata("SdkInteropFolder"));
            if (!Directory.Exists(Path.Combine(folder, "node_modules", "@ringcentral", "sdk")))
            {
                var (code, output) = Run("npm", "install --no-package-lock --no-audit --no-fund", folder);
                Assert.True(code == 0, "npm install @ringcentral/sdk failed: " + output);
            }
            using var server = new RingOut.Testing.EmulatorProcess(Metadata("ServerAssembly"), "--virtual-clock");
            var (exit, text) = Run("node", "interop.js", folder, server.Variables);
            Assert.True(exit == 0, text);
            using var seen = JsonDocument.Parse(text.Split('\n').First(l => l.StartsWith("{")));
            var root = seen.RootElement;
            Assert.True(root.GetProperty("loggedIn").GetBoolean());
            Assert.Equal(JsonValueKind.Number, root.GetProperty("id").ValueKind);
            var statuses = root.GetProperty("statuses").EnumerateArray().Select(s => s.GetString()).ToList();
            Assert.Equal("InProgress", statuses[0]);
            Assert.Contains("Success/Success/Success", statuses);
            Assert.Equal("Success/Finished/Finished", statuses[^1]);
            Assert.Equal(204, root.GetProperty("cancel").GetInt32());
            Assert.True(root.GetProperty("refreshed").GetBoolean());
            Assert.Equal(200, root.GetProperty("afterRefresh").GetInt32());
            Assert.True(root.GetProperty("loggedOut").GetBoolean());
        }
    }
}
