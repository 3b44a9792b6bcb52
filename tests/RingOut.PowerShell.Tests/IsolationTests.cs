using System.Diagnostics;
using Xunit;

namespace RingOut.PowerShell.Tests
{
    /// <summary>
    /// A host that ships an older Microsoft.Extensions in the default load context (as BenchmarkDotNet, Az or Graph
    /// do) and RingOut work side by side, whichever loads first: RingOut's copies live in a context of their own.
    /// Each order runs in a fresh process, since assemblies cannot be unloaded.
    /// </summary>
    public sealed class IsolationTests
    {
        private static string Probe(string order)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { PowerShellHost.ProbeAssembly, PowerShellHost.ModuleManifest, order }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi);
            var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, output);
            return output;
        }

        [Theory]
        [InlineData("host-first")]
        [InlineData("module-first")]
        public void RingOut_and_a_host_with_an_older_Microsoft_Extensions_work_side_by_side(string order)
        {
            var output = Probe(order);
            Assert.Contains("host Microsoft.Extensions.DependencyInjection 6.0.0.0", output);
            Assert.DoesNotContain("call InProgress", output);
            Assert.Contains("call Connected", output);
            Assert.Contains("Default:6.0.0.0", output);
            Assert.Contains("RingOut:8.0.0.0", output);
        }
    
        [Fact]
        public void RingOut_serves_its_private_assemblies_to_itself_only()
        {
            var output = Probe("foreign-request");
            Assert.Contains("foreign request for Microsoft.Extensions.Http 8.0: refused", output);
            Assert.Contains("call Connected", output);
        }
    }
}
