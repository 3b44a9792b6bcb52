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

        private static string Packages()
        {
            var folder = Path.GetFullPath(Metadata("SdkInteropFolder"));
            if (!Directory.Exists(Path.Combine(folder, "node_modules", "@ringcentral", "sdk")) || !Directory.Exists(Path.Combine(folder, "node_modules", "@ringcentral", "subscriptions")))
            {
                var (code, output) = Run("npm", "install --no-package-lock --no-audit --no-fund", folder);
                Assert.True(code == 0, "npm install of RingCentral's packages failed: " + output);
            }
            return folder;
        }

        [Fact]
        public void RingCentrals_own_subscriptions_package_receives_a_RingOuts_telephony_events_and_sees_a_hang_up()
        {
            var folder = Packages();
            using var server = new RingOut.Testing.EmulatorProcess(Metadata("ServerAssembly"), "--virtual-clock");
            var (exit, text) = Run("node", "events.js", folder, server.Variables);
            Assert.True(exit == 0, text);
            using var seen = JsonDocument.Parse(text.Split('\n').First(l => l.StartsWith("{")));
            var root = seen.RootElement;
            var subscription = root.GetProperty("subscription");
            Assert.Equal("Active", subscription.GetProperty("status").GetString());
            Assert.Equal("WebSocket", subscription.GetProperty("transport").GetString());
            Assert.Equal("/restapi/v1.0/account/37439510/extension/850957020/telephony/sessions", subscription.GetProperty("filters")[0].GetString());
            // The caller's leg first, then the callee's, through to both Disconnected; numbered in order; no RingOut id.
            Assert.Equal(new[] { "Proceeding/Setup", "Answered/Proceeding", "Answered/Answered", "Disconnected:CallFinished/Disconnected:CallFinished" },
                root.GetProperty("events").EnumerateArray().Select(e => e.GetString()).ToArray());
            Assert.Equal(new[] { 1, 2, 3, 4 }, root.GetProperty("sequences").EnumerateArray().Select(e => e.GetInt32()).ToArray());
            Assert.Equal("RingOut", root.GetProperty("origin").GetString());
            Assert.False(root.GetProperty("mentionsRingOutId").GetBoolean());
            Assert.Equal("Call connected", root.GetProperty("callLog").GetProperty("result").GetString());
            Assert.Equal(20, root.GetProperty("callLog").GetProperty("duration").GetInt32());
            Assert.Equal(204, root.GetProperty("hangUp").GetInt32());
            Assert.Equal("Disconnected:CallDropped/Disconnected:CallDropped", root.GetProperty("hangUpEvents").EnumerateArray().Last().GetString());
            Assert.Equal("Finished", root.GetProperty("afterHangUp").GetProperty("calleeStatus").GetString());
            Assert.True(root.GetProperty("revoked").GetBoolean());
        }

        [Fact]
        public void RingCentrals_own_sdk_logs_in_places_polls_cancels_refreshes_and_logs_out()
        {
            var folder = Packages();
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
