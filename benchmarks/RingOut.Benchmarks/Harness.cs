using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;

namespace RingOut.Benchmarks
{
    internal static class Harness
    {
        public static readonly string Manifest = Metadata("RingOutModuleManifest");
        public static readonly string ServerAssembly = Metadata("ServerAssembly");

        private static string Metadata(string key) =>
            typeof(Harness).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value;

        public static Runspace OpenRunspace(bool import)
        {
            var iss = InitialSessionState.CreateDefault2();
            var rs = RunspaceFactory.CreateRunspace(iss);
            rs.Open();
            if (import) Run(rs, "Import-Module $args[0] -ErrorAction Stop", Manifest);
            return rs;
        }

        public static List<PSObject> Run(Runspace rs, string script, params object[] args)
        {
            using var ps = PowerShell.Create();
            ps.Runspace = rs;
            ps.AddScript(script);
            foreach (var a in args) ps.AddArgument(a);
            var output = ps.Invoke().ToList();
            if (ps.HadErrors) throw new InvalidOperationException(string.Join("; ", ps.Streams.Error.Select(e => e.FullyQualifiedErrorId + ": " + e)));
            return output;
        }

        /// <summary>The loopback emulator with rate limits lifted; returns the process and its printed variables.</summary>
        public static (Process process, Dictionary<string, string> variables) StartServer(params string[] extra)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { ServerAssembly, "--urls", "http://127.0.0.1:0" }.Concat(extra)) psi.ArgumentList.Add(a);
            var p = Process.Start(psi);
            var vars = new Dictionary<string, string>();
            string line;
            while ((line = p.StandardOutput.ReadLine()) != null && !line.StartsWith("#"))
            {
                var i = line.IndexOf('=');
                if (i > 0) vars[line[..i]] = line[(i + 1)..];
            }
            if (!vars.ContainsKey("RC_SERVER_URL")) throw new InvalidOperationException("server did not start: " + p.StandardError.ReadToEnd());
            return (p, vars);
        }
    }
}
