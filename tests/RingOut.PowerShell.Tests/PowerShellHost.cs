using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using Xunit;

namespace RingOut.PowerShell.Tests
{
    /// <summary>What one script run produced, stream by stream.</summary>
    public sealed class RunResult
    {
        public Collection<PSObject> Output { get; init; }
        public IReadOnlyList<ErrorRecord> Errors { get; init; }
        public IReadOnlyList<ProgressRecord> Progress { get; init; }
        public IReadOnlyList<VerboseRecord> Verbose { get; init; }
        public IReadOnlyList<WarningRecord> Warnings { get; init; }
        public IReadOnlyList<DebugRecord> Debug { get; init; }
        /// <summary>The terminating error, if the script ended with one.</summary>
        public RuntimeException Terminating { get; init; }

        /// <summary>The terminating error, or else the first error written (a cmdlet's terminating error inside a script lands in the error stream).</summary>
        public ErrorRecord Error => Terminating?.ErrorRecord ?? Errors.FirstOrDefault();

        public IEnumerable<string> ErrorIds => Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]);

        public object Single(string property) => Assert.Single(Output).Properties[property].Value;

        /// <summary>Every text a user could see: output, every stream, error messages and targets.</summary>
        public string AllText()
        {
            var parts = new List<string>();
            parts.AddRange(Output.Select(o => o?.ToString() ?? ""));
            foreach (var o in Output.Where(o => o != null))
                foreach (var p in o.Properties)
                {
                    try { parts.Add(p.Name + "=" + p.Value); } catch (Exception e) { parts.Add(e.Message); }
                }
            parts.AddRange(Errors.SelectMany(e => new[] { e.ToString(), e.Exception?.ToString() ?? "", e.TargetObject?.ToString() ?? "", e.ErrorDetails?.Message ?? "" }));
            if (Terminating != null) parts.Add(Terminating.ToString());
            parts.AddRange(Progress.Select(p => p.Activity + " " + p.StatusDescription + " " + p.CurrentOperation));
            parts.AddRange(Verbose.Select(v => v.Message));
            parts.AddRange(Warnings.Select(v => v.Message));
            parts.AddRange(Debug.Select(v => v.Message));
            return string.Join("\n", parts);
        }
    }

    /// <summary>
    /// A real PowerShell runspace (System.Management.Automation 7.6.9, InitialSessionState.CreateDefault2) that
    /// imports the staged module by path and runs scripts exactly as a user would.
    /// </summary>
    public sealed class PowerShellHost : IDisposable
    {
        public static readonly string ModuleManifest = Metadata("RingOutModuleManifest");

        /// <summary>
        /// Script (with the session in $s) that makes the emulator refuse the next two token requests (400): a refresh,
        /// then the JWT sign-in a session would heal with, so that a session RingCentral ends stays ended.
        /// </summary>
        public const string RefuseSignIn = "$t = $s.Emulator.Faults.Add('ServerError', 'POST', 'token', 2); $t.StatusCode = 400; $t.RetryAfterSeconds = $null";
        public static readonly string RepositoryRoot = System.IO.Path.GetFullPath(Metadata("RepositoryRoot"));
        public static readonly string ServerAssembly = Metadata("ServerAssembly");
        public static readonly string ModuleVersion = Metadata("ModuleVersion");
        public static readonly string ProbeAssembly = Metadata("ProbeAssembly");

        private readonly Runspace _runspace;

        /// <param name="importModule">Whether to import the staged module.</param>
        /// <param name="host">A host whose user interface answers prompts (ShouldContinue, -Confirm); none by default.</param>
        public PowerShellHost(bool importModule = true, System.Management.Automation.Host.PSHost host = null)
        {
            var iss = InitialSessionState.CreateDefault2();
            if (OperatingSystem.IsWindows()) iss.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
            _runspace = host == null ? RunspaceFactory.CreateRunspace(iss) : RunspaceFactory.CreateRunspace(host, iss);
            _runspace.Open();
            if (importModule)
            {
                var r = Run("Import-Module $args[0] -ErrorAction Stop", ModuleManifest);
                if (r.Terminating != null) throw r.Terminating;
            }
        }

        /// <summary>Runs a script without waiting; for tests of Ctrl+C.</summary>
        public System.Management.Automation.PowerShell Begin(string script)
        {
            var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = _runspace;
            ps.AddScript(script);
            return ps;
        }

        private static string Metadata(string key) =>
            typeof(PowerShellHost).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value;

        public RunResult Run(string script, params object[] args)
        {
            using var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = _runspace;
            ps.AddScript(script);
            foreach (var a in args) ps.AddArgument(a);
            Collection<PSObject> output = new Collection<PSObject>();
            RuntimeException terminating = null;
            try
            {
                output = ps.Invoke();
            }
            catch (RuntimeException e)
            {
                terminating = e;
            }
            return new RunResult
            {
                Output = output,
                Errors = ps.Streams.Error.ToList(),
                Progress = ps.Streams.Progress.ToList(),
                Verbose = ps.Streams.Verbose.ToList(),
                Warnings = ps.Streams.Warning.ToList(),
                Debug = ps.Streams.Debug.ToList(),
                Terminating = terminating,
            };
        }

        /// <summary>Runs a script that must not fail; returns its output.</summary>
        public Collection<PSObject> Ok(string script, params object[] args)
        {
            var r = Run(script, args);
            if (r.Terminating != null) throw new Xunit.Sdk.XunitException("Script failed: " + r.Terminating.ErrorRecord?.FullyQualifiedErrorId + ": " + r.Terminating.Message);
            if (r.Errors.Count > 0) throw new Xunit.Sdk.XunitException("Script wrote errors: " + string.Join("; ", r.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e + " " + e.Exception?.InnerException)));
            return r.Output;
        }

        public void Dispose()
        {
            Run("Get-RingCentralSession | Disconnect-RingCentral -ErrorAction SilentlyContinue");
            _runspace.Dispose();
        }
    }

    /// <summary>The module keeps one process-wide session, so the PowerShell tests run one at a time.</summary>
    [CollectionDefinition("PowerShell", DisableParallelization = true)]
    public sealed class PowerShellCollection { }
}
