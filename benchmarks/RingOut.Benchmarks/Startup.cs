using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;

namespace RingOut.Benchmarks
{
    /// <summary>
    /// What costs only once in a process (the first Import-Module, the first Connect-RingCentral), each measured in a
    /// process of its own; and the cmdlets against Invoke-RestMethod in a real pwsh.
    /// </summary>
    internal static class Startup
    {
        /// <summary>In a child process: "import connect" milliseconds for the module given (ringout or trivial).</summary>
        public static void Child(string module)
        {
            var clock = Stopwatch.StartNew();
            using var rs = Harness.OpenRunspace(import: false);
            clock.Restart();
            var path = module == "ringout" ? Harness.Manifest : Harness.TrivialModule;
            Harness.Run(rs, "Import-Module $args[0] -ErrorAction Stop", path);
            var import = clock.Elapsed.TotalMilliseconds;
            double connect = 0;
            if (module == "ringout")
            {
                clock.Restart();
                Harness.Run(rs, "Connect-RingCentral -Environment Emulator");
                connect = clock.Elapsed.TotalMilliseconds;
            }
            Console.WriteLine(FormattableString.Invariant($"{import:0.0} {connect:0.0}"));
        }

        private static double[] InChild(string module)
        {
            var self = typeof(Startup).Assembly.Location;
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
            start.ArgumentList.Add(self);
            start.ArgumentList.Add("cold");
            start.ArgumentList.Add(module);
            using var p = Process.Start(start)!;
            var line = p.StandardOutput.ReadToEnd().Trim().Split('\n').Last();
            p.WaitForExit();
            return line.Split(' ').Select(x => double.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }

        private static double Median(IEnumerable<double> xs)
        {
            var a = xs.OrderBy(x => x).ToArray();
            return a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
        }

        public static void Print()
        {
            Console.WriteLine("(c) cold start in a hosted runspace, each in a fresh process, five runs each, interleaved (median)");
            var ringout = new List<double[]>();
            var trivial = new List<double[]>();
            for (var i = 0; i < 5; i++) { ringout.Add(InChild("ringout")); trivial.Add(InChild("trivial")); }
            var ri = Median(ringout.Select(r => r[0]));
            var ti = Median(trivial.Select(r => r[0]));
            Console.WriteLine(FormattableString.Invariant($"    Import-Module RingOut: {ri:0} ms ({Runs(ringout.Select(r => r[0]))}); a one-cmdlet binary module: {ti:0} ms ({Runs(trivial.Select(r => r[0]))}); overhead {ri - ti:0} ms"));
            Console.WriteLine(FormattableString.Invariant($"    first Connect-RingCentral -Environment Emulator after the import: {Median(ringout.Select(r => r[1])):0} ms ({Runs(ringout.Select(r => r[1]))})"));
            var pwsh = Pwsh();
            if (pwsh == null) { Console.WriteLine("real pwsh: not found (set RINGOUT_PWSH)"); return; }
            ColdImports(pwsh, Before);
            RealPwsh(pwsh, Before);
        }

        /// <summary>Another build of the module to compare with, side by side in the same run (a copy of out/RingOut/&lt;version&gt;).</summary>
        public static string Before => Environment.GetEnvironmentVariable("RINGOUT_BEFORE_MODULE");

        /// <summary>The real pwsh: RINGOUT_PWSH, else pwsh on the PATH; null for none.</summary>
        public static string Pwsh()
        {
            var pwsh = Environment.GetEnvironmentVariable("RINGOUT_PWSH");
            return !string.IsNullOrEmpty(pwsh) ? pwsh
                : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, "pwsh")).FirstOrDefault(File.Exists);
        }

        private static string Runs(IEnumerable<double> xs) => string.Join(" / ", xs.Select(x => x.ToString("0", System.Globalization.CultureInfo.InvariantCulture)));

        /// <summary>
        /// (c) the first Import-Module in a fresh real pwsh, interleaved, nine rounds: RingOut, the one-cmdlet module,
        /// and that module with a format view and a type member added (PowerShell's first format and first types
        /// file cost the same whatever their size: that is the floor of any module with a view).
        /// </summary>
        private static void ColdImports(string pwsh, string before)
        {
            var floors = Directory.CreateTempSubdirectory("ringout-floor-").FullName;
            File.WriteAllText(Path.Combine(floors, "Trivial.format.ps1xml"), "<Configuration><ViewDefinitions><View><Name>T</Name><ViewSelectedBy><TypeName>RingOut.Benchmarks.Trivial.Row</TypeName></ViewSelectedBy><TableControl><TableHeaders><TableColumnHeader /></TableHeaders><TableRowEntries><TableRowEntry><TableColumnItems><TableColumnItem><PropertyName>A</PropertyName></TableColumnItem></TableColumnItems></TableRowEntry></TableRowEntries></TableControl></View></ViewDefinitions></Configuration>");
            File.WriteAllText(Path.Combine(floors, "Trivial.types.ps1xml"), "<Types><Type><Name>RingOut.Benchmarks.Trivial.Row</Name><Members><NoteProperty><Name>B</Name><Value>1</Value></NoteProperty></Members></Type></Types>");
            string Manifest(string name, string extra)
            {
                var path = Path.Combine(floors, name + ".psd1");
                File.WriteAllText(path, $"@{{ RootModule = '{Harness.TrivialModule}'; ModuleVersion = '1.0'; GUID = '{Guid.NewGuid()}'; CmdletsToExport = @('Get-Trivial'); {extra} }}");
                return path;
            }
            var rows = new List<(string Name, string Path)>
            {
                ("RingOut", Harness.Manifest),
                ("the one-cmdlet module", Harness.TrivialModule),
                ("the one-cmdlet module with a format view", Manifest("WithFormat", "FormatsToProcess = @('Trivial.format.ps1xml')")),
                ("the one-cmdlet module with a format view and a type member", Manifest("WithBoth", "FormatsToProcess = @('Trivial.format.ps1xml'); TypesToProcess = @('Trivial.types.ps1xml')")),
            };
            if (!string.IsNullOrEmpty(before)) rows.Insert(1, ("RingOut before", Path.Combine(before, "RingOut.psd1")));
            var times = rows.Select(_ => new List<double>()).ToArray();
            for (var round = 0; round < 9; round++)
                for (var i = 0; i < rows.Count; i++)
                {
                    var start = new ProcessStartInfo(pwsh) { RedirectStandardOutput = true, UseShellExecute = false };
                    foreach (var a in new[] { "-NoProfile", "-NonInteractive", "-Command", "$sw = [Diagnostics.Stopwatch]::StartNew(); Import-Module $env:RINGOUT_IMPORT -ErrorAction Stop; $sw.Elapsed.TotalMilliseconds.ToString([cultureinfo]::InvariantCulture)" })
                        start.ArgumentList.Add(a);
                    start.Environment["RINGOUT_IMPORT"] = rows[i].Path;
                    using var p = Process.Start(start)!;
                    var line = p.StandardOutput.ReadToEnd().Trim().Split('\n').Last();
                    p.WaitForExit();
                    times[i].Add(double.Parse(line, System.Globalization.CultureInfo.InvariantCulture));
                }
            Console.WriteLine("(c) the first Import-Module in a fresh real pwsh, nine rounds, interleaved (median)");
            for (var i = 0; i < rows.Count; i++)
                Console.WriteLine(FormattableString.Invariant($"    {rows[i].Name}: {Median(times[i]):0} ms ({Runs(times[i])})"));
            Directory.Delete(floors, true);
        }

        /// <summary>
        /// (a) in the real pwsh: the cmdlets against the same two requests made with Invoke-RestMethod, in one pwsh;
        /// with another build given, three pwsh processes of each, alternating.
        /// </summary>
        internal static void RealPwsh(string pwsh, string before)
        {
            using var server = Harness.StartServer("--no-rate-limits");
            var builds = new List<(string Name, string Manifest)> { ("this build", Harness.Manifest) };
            if (!string.IsNullOrEmpty(before)) builds.Add(("before", Path.Combine(before, "RingOut.psd1")));
            for (var round = 0; round < (builds.Count > 1 ? 3 : 1); round++)
                foreach (var (name, manifest) in builds)
                {
                    var start = new ProcessStartInfo(pwsh) { RedirectStandardOutput = true, UseShellExecute = false };
                    foreach (var a in new[] { "-NoProfile", "-NonInteractive", "-Command", Script }) start.ArgumentList.Add(a);
                    foreach (var (k, v) in server.Variables) start.Environment[k] = v;
                    start.Environment["RINGOUT_MODULE"] = manifest;
                    using var p = Process.Start(start)!;
                    var output = p.StandardOutput.ReadToEnd().Trim();
                    p.WaitForExit();
                    Console.WriteLine($"(a) in the real pwsh, {name}: {output}");
                }
        }

        // Both pipelines in one pwsh, interleaved, 1,330 times each: the medians of rounds 31 to 330 (after 30 of
        // warm-up, as first measured) and of rounds 1,031 to 1,330 (when the JIT has compiled both paths fully).
        private const string Script = @"
            $ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue'
            Import-Module $env:RINGOUT_MODULE
            Connect-RingCentral
            $url = $env:RC_SERVER_URL
            $basic = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($env:RC_APP_CLIENT_ID + ':' + $env:RC_APP_CLIENT_SECRET))
            $token = (Invoke-RestMethod -Method Post ""$url/restapi/oauth/token"" -Headers @{ Authorization = ""Basic $basic"" } -Body @{ grant_type = 'urn:ietf:params:oauth:grant-type:jwt-bearer'; assertion = $env:RC_USER_JWT }).access_token
            $h = @{ Authorization = ""Bearer $token"" }
            $irm = { $c = Invoke-RestMethod -Method Post ""$url/restapi/v1.0/account/~/extension/~/ring-out"" -Headers $h -ContentType 'application/json' -Body '{""from"":{""phoneNumber"":""+16505550001""},""to"":{""phoneNumber"":""+14155550123""}}'
                     (Invoke-RestMethod ""$url/restapi/v1.0/account/~/extension/~/ring-out/$($c.id)"" -Headers $h).status.callStatus }
            $cmdlets = { (New-RingOutCall -To '+14155550123' | Get-RingOutCall).CallStatusText }
            $a = [Collections.Generic.List[double]]::new(); $b = [Collections.Generic.List[double]]::new()
            $sw = [Diagnostics.Stopwatch]::new()
            foreach ($i in 1..1330) {
                $sw.Restart(); $null = & $irm; $a.Add($sw.Elapsed.TotalMilliseconds)
                $sw.Restart(); $null = & $cmdlets; $b.Add($sw.Elapsed.TotalMilliseconds)
            }
            function Median($list, $from) { $x = $list.GetRange($from, 300).ToArray(); [Array]::Sort($x); $x[150] }
            $a1 = Median $a 30; $b1 = Median $b 30; $a2 = Median $a 1030; $b2 = Median $b 1030
            '{0} {1}: Invoke-RestMethod POST + GET {2:0.00} ms, New-RingOutCall | Get-RingOutCall {3:0.00} ms, ratio {4:0.00} (after 30 rounds); {5:0.00} ms, {6:0.00} ms, ratio {7:0.00} (after 1,030)' -f $PSVersionTable.PSVersion, $PSVersionTable.OS, $a1, $b1, ($b1 / $a1), $a2, $b2, ($b2 / $a2)";
    }
}
