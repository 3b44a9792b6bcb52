using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;

namespace RingOut.Benchmarks
{
    /// <summary>A trivial binary module of one cmdlet: the floor that RingOut's cold import is compared with.</summary>
    [Cmdlet(VerbsCommon.Get, "Trivial")]
    public sealed class GetTrivialCommand : Cmdlet
    {
        protected override void ProcessRecord() => WriteObject(1);
    }

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
            var path = module == "ringout" ? Harness.Manifest : typeof(Startup).Assembly.Location;
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
            Console.WriteLine("(c) cold start, each in a fresh process, five runs (median)");
            var ringout = Enumerable.Range(0, 5).Select(_ => InChild("ringout")).ToList();
            var trivial = Enumerable.Range(0, 5).Select(_ => InChild("trivial")).ToList();
            var ri = Median(ringout.Select(r => r[0]));
            var ti = Median(trivial.Select(r => r[0]));
            Console.WriteLine(FormattableString.Invariant($"    Import-Module RingOut: {ri:0} ms ({string.Join(" / ", ringout.Select(r => r[0].ToString("0")))}); a one-cmdlet binary module: {ti:0} ms ({string.Join(" / ", trivial.Select(r => r[0].ToString("0")))}); overhead {ri - ti:0} ms"));
            Console.WriteLine(FormattableString.Invariant($"    first Connect-RingCentral -Environment Emulator after the import: {Median(ringout.Select(r => r[1])):0} ms ({string.Join(" / ", ringout.Select(r => r[1].ToString("0")))})"));
            RealPwsh();
        }

        /// <summary>(a) in the real pwsh (RINGOUT_PWSH, else pwsh on the PATH): the cmdlets against the same two requests made with Invoke-RestMethod.</summary>
        private static void RealPwsh()
        {
            var pwsh = Environment.GetEnvironmentVariable("RINGOUT_PWSH");
            if (string.IsNullOrEmpty(pwsh))
                pwsh = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, "pwsh")).FirstOrDefault(File.Exists);
            if (pwsh == null) { Console.WriteLine("(a) real pwsh: not found (set RINGOUT_PWSH)"); return; }
            using var server = Harness.StartServer("--no-rate-limits");
            var start = new ProcessStartInfo(pwsh) { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { "-NoProfile", "-NonInteractive", "-Command", Script }) start.ArgumentList.Add(a);
            foreach (var (k, v) in server.Variables) start.Environment[k] = v;
            start.Environment["RINGOUT_MODULE"] = Harness.Manifest;
            using var p = Process.Start(start)!;
            var output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            Console.WriteLine("(a) in the real pwsh " + output);
        }

        // Both pipelines in one pwsh, interleaved, 300 times each after 30 of warm-up; the medians.
        private const string Script = @"
            $ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue'
            Import-Module $env:RINGOUT_MODULE
            Connect-RingCentral
            $url = $env:RC_SERVER_URL
            $basic = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($env:RC_APP_CLIENT_ID + ':' + $env:RC_APP_CLIENT_SECRET))
            $token = (Invoke-RestMethod -Method Post ""$url/restapi/oauth/token"" -Headers @{ Authorization = ""Basic $basic"" } -Body @{ grant_type = 'urn:ietf:params:oauth:grant-type:jwt-bearer'; assertion = $env:RC_USER_JWT }).access_token
            $h = @{ Authorization = ""Bearer $token"" }
            $irm = { $c = Invoke-RestMethod -Method Post ""$url/restapi/v1.0/account/~/extension/~/ring-out"" -Headers $h -ContentType 'application/json' -Body '{""to"":{""phoneNumber"":""+14155550123""}}'
                     (Invoke-RestMethod ""$url/restapi/v1.0/account/~/extension/~/ring-out/$($c.id)"" -Headers $h).status.callStatus }
            $cmdlets = { (New-RingOutCall -To '+14155550123' | Get-RingOutCall).CallStatusText }
            $a = [Collections.Generic.List[double]]::new(); $b = [Collections.Generic.List[double]]::new()
            $sw = [Diagnostics.Stopwatch]::new()
            foreach ($i in 1..330) {
                $sw.Restart(); $null = & $irm; $x = $sw.Elapsed.TotalMilliseconds
                $sw.Restart(); $null = & $cmdlets; $y = $sw.Elapsed.TotalMilliseconds
                if ($i -gt 30) { $a.Add($x); $b.Add($y) }
            }
            $a.Sort(); $b.Sort()
            '{0} {1}: Invoke-RestMethod POST + GET {2:0.00} ms, New-RingOutCall | Get-RingOutCall {3:0.00} ms (median of 300 each), ratio {4:0.00}' -f $PSVersionTable.PSVersion, $PSVersionTable.OS, $a[150], $b[150], ($b[150] / $a[150])";
    }
}
