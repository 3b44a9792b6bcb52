using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace RingOut.PowerShell.Tests
{
    /// <summary>
    /// A real pwsh, where there is one: $RINGOUT_PWSH (build.ps1 sets it to the pwsh it runs in), else the build in
    /// ../shared/tools/pwsh beside the repository (its install.sh unpacks it once), else pwsh on the PATH.
    /// </summary>
    public static class RealPowerShell
    {
        private static readonly Lazy<(string Path, string Why)> Found = new(Find);

        /// <summary>The pwsh executable, or null.</summary>
        public static string Path => Found.Value.Path;

        /// <summary>Where none was found: where it was looked for.</summary>
        public static string WhyNone => Found.Value.Why;

        private static (string, string) Find()
        {
            var given = Environment.GetEnvironmentVariable("RINGOUT_PWSH");
            if (!string.IsNullOrWhiteSpace(given) && File.Exists(given)) return (given, null);
            var install = System.IO.Path.GetFullPath(System.IO.Path.Combine(PowerShellHost.RepositoryRoot, "..", "shared", "tools", "pwsh", "install.sh"));
            if (File.Exists(install) && !OperatingSystem.IsWindows())
            {
                var (code, output) = Run("bash", new[] { install }, TimeSpan.FromMinutes(5));
                var path = output.Trim().Split('\n').LastOrDefault()?.Trim();
                if (code == 0 && File.Exists(path)) return (path, null);
            }
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator))
                foreach (var name in new[] { "pwsh", "pwsh.exe" })
                    if (dir.Length > 0 && File.Exists(System.IO.Path.Combine(dir, name))) return (System.IO.Path.Combine(dir, name), null);
            return (null, $"no pwsh was found: RINGOUT_PWSH is not set, {install} does not exist, and no pwsh is on the PATH");
        }

        /// <summary>Skips the test when no pwsh was found, saying so in the test's skip reason and in out/not-run.txt (<see cref="RingOut.Tests.Shared.NotRun"/>).</summary>
        public static void SkipUnlessFound(string what, [System.Runtime.CompilerServices.CallerMemberName] string test = "")
        {
            if (Path != null) return;
            RingOut.Tests.Shared.NotRun.Record(PowerShellHost.RepositoryRoot, what, "a pwsh (install PowerShell 7, or set RINGOUT_PWSH to one, and run again)", test);
            Skip.If(true, $"{what} was NOT run: {WhyNone}. Install PowerShell 7 (or set RINGOUT_PWSH to a pwsh) and run ./build.ps1 -Task Test.");
        }

        /// <summary>Runs a program to its end (or the time limit), with its output and errors together.</summary>
        public static (int Code, string Output) Run(string file, string[] arguments, TimeSpan limit, string workingDirectory = null, params (string Name, string Value)[] environment)
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory ?? PowerShellHost.RepositoryRoot };
            foreach (var a in arguments) psi.ArgumentList.Add(a);
            foreach (var (name, value) in environment) psi.Environment[name] = value;
            psi.Environment["NO_COLOR"] = "1";
            var output = new StringBuilder();
            using var process = new Process { StartInfo = psi };
            process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit((int)limit.TotalMilliseconds))
            {
                try { process.Kill(true); } catch (InvalidOperationException) { }
                lock (output) output.AppendLine($"(stopped after {limit.TotalMinutes:0} minutes)");
                return (-1, output.ToString());
            }
            process.WaitForExit();
            lock (output) return (process.ExitCode, output.ToString());
        }
    }

    /// <summary>
    /// The Pester suite (tests/*.Tests.ps1) in a real pwsh: part of the README's test command wherever a pwsh can be
    /// found, and said plainly to be skipped, with the reason, where none can. Its counts go to out/pester/summary.txt,
    /// which .ci/run adds to the closing line.
    /// </summary>
    [Collection("PowerShell")]
    public sealed class PesterSuiteTests
    {
        private readonly ITestOutputHelper _out;
        public PesterSuiteTests(ITestOutputHelper output) { _out = output; }

        public static readonly string Results = System.IO.Path.Combine(PowerShellHost.RepositoryRoot, "out", "pester");

        [SkippableFact]
        public void The_Pester_suite_passes_in_a_real_pwsh()
        {
            RealPowerShell.SkipUnlessFound("The Pester suite (tests/*.Tests.ps1)");
            Directory.CreateDirectory(Results);
            var summary = System.IO.Path.Combine(Results, "summary.txt");
            File.Delete(summary);
            // Build.Tests.ps1 runs build.ps1 in a scratch copy, whose own test run must not start another.
            var exclude = Environment.GetEnvironmentVariable("RINGOUT_NESTED_BUILD") == "1" ? "'BuildScript'" : "@()";
            var script = $@"
                $ErrorActionPreference = 'Stop'
                Import-Module Pester -MinimumVersion 5.5
                $env:RINGOUT_MODULE = '{PowerShellHost.ModuleManifest}'
                $c = New-PesterConfiguration
                $c.Run.Path = '{System.IO.Path.Combine(PowerShellHost.RepositoryRoot, "tests")}'
                $c.Run.PassThru = $true
                $c.Filter.ExcludeTag = {exclude}
                $c.Output.Verbosity = 'Normal'
                $c.TestResult.Enabled = $true
                $c.TestResult.OutputPath = '{System.IO.Path.Combine(Results, "results.xml")}'
                $r = Invoke-Pester -Configuration $c
                Set-Content -Path '{summary}' -Value ('Pester: {{0}} passed, {{1}} failed, {{2}} skipped' -f $r.PassedCount, $r.FailedCount, $r.SkippedCount)
                foreach ($t in $r.Failed) {{ 'FAILED: ' + $t.ExpandedPath + ' :: ' + ($t.ErrorRecord | Select-Object -First 1) }}
                if ($r.Result -ne 'Passed') {{ exit 1 }}";
            var (code, output) = RealPowerShell.Run(RealPowerShell.Path, new[] { "-NoProfile", "-NonInteractive", "-Command", script }, TimeSpan.FromMinutes(12));
            _out.WriteLine(output);
            Assert.True(File.Exists(summary), "Pester wrote no summary:\n" + output);
            _out.WriteLine(File.ReadAllText(summary));
            Assert.True(code == 0, File.ReadAllText(summary) + "\n" + string.Join("\n", output.Split('\n').Where(l => l.StartsWith("FAILED: ") || l.Contains("[-]"))));
        }
    }
}
