using System;
using System.IO;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace RingOut.PowerShell.Tests
{
    /// <summary>
    /// Windows PowerShell 5.1's runtime, exercised: tests/RingOut.Net472.Run, a .NET Framework 4.7.2 console over the
    /// client assemblies the module ships, drives the client end to end against the emulator on loopback, then against
    /// the emulator in-process (as -Environment Emulator runs it in Windows PowerShell 5.1). On Windows it
    /// runs on the .NET Framework itself; elsewhere under Mono (Debian's mono-runtime and mono-devel, installed with
    /// apt-get when missing, as CI runs as root). Where neither can be had the test says so in out/not-run.txt.
    /// </summary>
    public sealed class FrameworkRuntimeTests
    {
        private const string Mono = "/usr/bin/mono";
        private static readonly string Console = typeof(FrameworkRuntimeTests).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false).Cast<System.Reflection.AssemblyMetadataAttribute>()
            .Single(a => a.Key == "FrameworkConsole").Value;

        private readonly ITestOutputHelper _out;
        public FrameworkRuntimeTests(ITestOutputHelper output) { _out = output; }

        [SkippableFact]
        public void The_client_connects_places_reads_cancels_follows_by_events_and_by_polling_reads_the_call_log_and_disconnects_on_a_Framework_runtime()
        {
            Assert.True(File.Exists(Console), $"{Console} was not built");
            var why = OperatingSystem.IsWindows() ? null : MonoMissing();
            if (why != null)
            {
                RingOut.Tests.Shared.NotRun.Record(PowerShellHost.RepositoryRoot, "The .NET Framework (Windows PowerShell 5.1) runtime test",
                    "Mono (apt-get install mono-runtime mono-devel, as root)",
                    nameof(The_client_connects_places_reads_cancels_follows_by_events_and_by_polling_reads_the_call_log_and_disconnects_on_a_Framework_runtime));
                Skip.If(true, "The .NET Framework runtime test was NOT run: " + why);
            }

            using var server = new EmulatorServer();
            var (code, output) = OperatingSystem.IsWindows()
                ? RealPowerShell.Run(Console, Array.Empty<string>(), TimeSpan.FromMinutes(3), null, server.Variables.Select(v => (v.Key, v.Value)).ToArray())
                : RealPowerShell.Run(Mono, new[] { "--debug", Console }, TimeSpan.FromMinutes(3), null, server.Variables.Select(v => (v.Key, v.Value)).ToArray());
            _out.WriteLine(output);
            Assert.True(code == 0, output);
            var lines = output.Split('\n').Select(l => l.Trim()).ToArray();
            Assert.Contains(lines, l => l.StartsWith("runtime: ", StringComparison.Ordinal) && (l.Contains("Mono") || l.Contains(".NET Framework")));
            // Over the network transport (HttpClientHandler, ClientWebSocket) to the loopback server, then in-process.
            foreach (var mode in new[] { "loopback", "in-process" })
                foreach (var step in new[] { "connect", "TLS", "forwarding numbers", "place", "read", "cancel", "follow by events", "follow by polling", "call log", "disconnect" })
                    Assert.Contains(lines, l => l.StartsWith($"ok {mode}: {step}", StringComparison.Ordinal));
            Assert.Equal("PASSED", lines.Last(l => l.Length > 0));
        }

        /// <summary>Null when Mono is there (installed now if need be); else why not.</summary>
        private static string MonoMissing()
        {
            try
            {
                Debian.EnsureInstalled(Mono, "mono-runtime mono-devel", "The .NET Framework runtime test");
                return File.Exists(Mono) ? null : $"{Mono} is missing after installing mono-runtime";
            }
            catch (Exception e) when (e is InvalidOperationException || e is System.ComponentModel.Win32Exception)
            {
                return e.Message;
            }
        }
    }
}
