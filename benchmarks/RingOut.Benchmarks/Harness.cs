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
        /// <summary>A binary module of one cmdlet (RingOut.Benchmarks.Trivial): the floor of the cold import.</summary>
        public static readonly string TrivialModule = Metadata("TrivialModule");

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

        /// <summary>The loopback emulator, started with the given options.</summary>
        public static RingOut.Testing.EmulatorProcess StartServer(params string[] options) => new RingOut.Testing.EmulatorProcess(ServerAssembly, options);
    }
}
