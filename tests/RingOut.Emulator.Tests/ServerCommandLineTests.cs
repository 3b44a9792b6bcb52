using System;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Reflection;
using System.Text.Json;
using Xunit;

namespace RingOut.Emulator.Tests
{
    /// <summary>The loopback emulator's command line and its own endpoints, as a person first meets them.</summary>
    public sealed class ServerCommandLineTests
    {
        private static readonly string Server =
            typeof(ServerCommandLineTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ServerAssembly").Value;

        /// <summary>Runs the server to its end (at most 60 s): exit code, standard output, standard error.</summary>
        private static (int Code, string Out, string Error) Run(params string[] args)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(Server);
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi);
            var output = p.StandardOutput.ReadToEndAsync();
            var error = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(20_000)) { p.Kill(true); Assert.Fail("the server did not exit within 20 s: " + string.Join(" ", args)); }
            return (p.ExitCode, output.Result, error.Result);
        }

        [Fact]
        public void Help_prints_the_usage_and_starts_nothing()
        {
            var (code, output, error) = Run("--help", "--urls", "http://127.0.0.1:0");
            Assert.Equal(0, code);
            Assert.Contains("--urls", output);
            Assert.Contains("--virtual-clock", output);
            Assert.DoesNotContain("RC_SERVER_URL=", output);
            Assert.Equal("", error);
        }

        [Fact]
        public void A_port_in_use_is_one_line_that_says_so_not_a_stack_trace()
        {
            using var first = new RingOut.Testing.EmulatorProcess(Server);
            var (code, _, error) = Run("--urls", first.Url.ToString().TrimEnd('/'));
            Assert.Equal(1, code);
            var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, error);
            Assert.Contains("cannot listen on " + first.Url.ToString().TrimEnd('/'), lines[0]);
            Assert.Contains("--urls", lines[0]);
        }

        [Fact]
        public async System.Threading.Tasks.Task It_prints_the_variables_for_bash_and_pwsh_lists_its_endpoints_and_names_the_fault_kinds()
        {
            using var server = new RingOut.Testing.EmulatorProcess(Server);
            Assert.Equal(4, server.Variables.Count);
            Assert.Equal(server.Url.ToString().TrimEnd('/'), server.Variables["RC_SERVER_URL"].TrimEnd('/'));
            // Printed with the variables: waited for (at most 10 s), as the server may still be writing them.
            System.Threading.SpinWait.SpinUntil(() => server.PrintedAfter.Count(l => !l.StartsWith("#")) >= 2, TimeSpan.FromSeconds(10));
            var pasted = server.PrintedAfter.Where(l => !l.StartsWith("#")).ToList();
            Assert.Contains(pasted, l => l.StartsWith("export ") && server.Variables.All(v => l.Contains($"{v.Key}='{v.Value}'")));
            Assert.Contains(pasted, l => l.StartsWith("$env:") && server.Variables.All(v => l.Contains($"$env:{v.Key} = '{v.Value}'")));

            using var http = new HttpClient { BaseAddress = server.Url };
            var index = JsonDocument.Parse(await http.GetStringAsync("/_emulator/")).RootElement.GetProperty("endpoints");
            Assert.Contains(index.EnumerateObject(), e => e.Name == "GET /_emulator/stats");
            var refused = await http.PostAsync("/_emulator/faults?kind=Nonsense", null);
            Assert.Equal(400, (int)refused.StatusCode);
            var message = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString();
            foreach (var kind in Enum.GetNames(typeof(FaultKind))) Assert.Contains(kind, message);
        }
    }
}
