using System;
using System.Linq;

namespace RingOut.Benchmarks
{
    /// <summary>
    /// What BenchmarkDotNet does not measure: request counts and virtual times, from the in-process emulator on a
    /// virtual clock (deterministic: the same figures on any machine).
    /// </summary>
    internal static class Figures
    {
        public static void Print()
        {
            // (c) Import-Module: the first in a process loads every assembly (cold); later runspaces reuse them (warm).
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using (var cold = Harness.OpenRunspace(import: false))
            {
                var opened = clock.Elapsed;
                Harness.Run(cold, "Import-Module $args[0] -ErrorAction Stop", Harness.Manifest);
                Console.WriteLine($"(c) first Import-Module in this process (cold): {(clock.Elapsed - opened).TotalMilliseconds:0} ms, after opening the runspace in {opened.TotalMilliseconds:0} ms");
            }
            var warm = new System.Collections.Generic.List<double>();
            for (var i = 0; i < 10; i++)
            {
                using var rs2 = Harness.OpenRunspace(import: false);
                clock.Restart();
                Harness.Run(rs2, "Import-Module $args[0] -ErrorAction Stop", Harness.Manifest);
                warm.Add(clock.Elapsed.TotalMilliseconds);
            }
            warm.Sort();
            Console.WriteLine($"    Import-Module in a fresh runspace of the same process (warm), median of 10: {warm[5]:0.0} ms");

            using var rs = Harness.OpenRunspace(import: true);
            Console.WriteLine();
            const string lift = "$s.Emulator.Options.RateLimits.Light = 1000000; $s.Emulator.Options.RateLimits.Heavy = 1000000";
            Console.WriteLine("(b) Wait-RingOutCall, rate limits lifted, poll interval 3 s; a call connects 11 s after it is placed");
            Console.WriteLine("| calls | GETs | GETs per call | minimum | settled (virtual s after placing) | last call connected at | retained bytes per pending call (upper bound) |");
            Console.WriteLine("|------:|-----:|--------------:|--------:|----------------------------------:|-----------------------:|--------------------------------:|");
            foreach (var n in new[] { 10, 100, 1000 })
            {
                var r = Harness.Run(rs, @"$s = Connect-RingCentral -Environment Emulator -VirtualTime -PassThru
                    " + lift + @"
                    $start = $s.Emulator.Clock.Elapsed.TotalSeconds
                    $calls = 1..$args[0] | ForEach-Object { '+1415{0:d7}' -f $_ } | New-RingOutCall
                    $done = $calls | Wait-RingOutCall -PollInterval 3 -Via Polling
                    $s.Emulator.Statistics.Count('GET', 'ring-out')
                    $s.Emulator.Clock.Elapsed.TotalSeconds - $start
                    ($s.Emulator.Calls[-1].CreatedAt - $s.Emulator.Calls[0].CreatedAt).TotalSeconds + 11
                    # Memory held per pending call, after a full collection: the call's snapshot and the watcher's entry
                    # (an upper bound: it also counts the emulator's own record of each call).
                    $w = [RingOut.Client.CallWatcher]::new($s.Emulator.Clock, [TimeSpan]::FromSeconds(3), 'Connected')
                    $null = $w.Add((New-RingOutCall -To '+14169999999'))
                    $before = [GC]::GetTotalMemory($true)
                    foreach ($c in (1..$args[0] | ForEach-Object { '+1416{0:d7}' -f $_ } | New-RingOutCall)) { $null = $w.Add($c) }
                    $after = [GC]::GetTotalMemory($true)
                    ($after - $before) / ($w.PendingCount - 1)", n);
                var gets = Convert.ToInt64(r[0].BaseObject);
                Console.WriteLine($"| {n,5} | {gets,4} | {gets / (double)n,13:0.00} | {(int)Math.Ceiling(11 / 3.0),7} | {Convert.ToDouble(r[1].BaseObject),33:0} | {Convert.ToDouble(r[2].BaseObject),22:0} | {Convert.ToDouble(r[3].BaseObject),31:0} |");
            }

            Console.WriteLine();
            Console.WriteLine("(e) memory retained per pending call: 10,000 calls in a hosted runspace, progress on, rate limits lifted");
            {
                var w = Harness.Run(rs, @"$s = Connect-RingCentral -Environment Emulator -VirtualTime -PassThru
                    " + lift + @"
                    $calls = 1..10000 | ForEach-Object { '+1417{0:d7}' -f $_ } | New-RingOutCall
                    # The watcher's own share: its entry for each call (the snapshots are the caller's already).
                    $w = [RingOut.Client.CallWatcher]::new($s.Emulator.Clock, [TimeSpan]::FromSeconds(3), 'Connected')
                    $before = [GC]::GetTotalMemory($true)
                    foreach ($c in $calls) { $null = $w.Add($c) }
                    $after = [GC]::GetTotalMemory($true)
                    ($after - $before) / $w.PendingCount
                    $w = $null");
                using var ps = System.Management.Automation.PowerShell.Create();
                ps.Runspace = rs;
                ps.AddScript("$ProgressPreference = 'Continue'; $null = $calls | Wait-RingOutCall -Via Polling");
                ps.Invoke();
                // The progress records the host keeps for the whole wait: what piled up per pending call before.
                var records = ps.Streams.Progress.Count;
                var held = GC.GetTotalMemory(true);
                ps.Streams.Progress.Clear();
                var progress = (held - GC.GetTotalMemory(true)) / 10000.0;
                var watcher = Convert.ToDouble(w[0].BaseObject);
                Console.WriteLine(FormattableString.Invariant($"    progress records kept: {records} ({records / 10000.0:0.000} per call), {progress:0} bytes per call; the watcher's entry: {watcher:0} bytes per call; together {progress + watcher:0} bytes"));
                Harness.Run(rs, "$calls = $null");
            }

            Console.WriteLine();
            Console.WriteLine("(d) 100 calls queued with RingCentral's default limits (Heavy: 10 per 60 s)");
            var d = Harness.Run(rs, @"$s = Connect-RingCentral -Environment Emulator -VirtualTime -PassThru
                $numbers = 0..99 | ForEach-Object { '+1415555{0:d4}' -f $_ }
                $null = New-RingOutCall -To $numbers
                $s.Emulator.Clock.Elapsed.TotalSeconds
                $s.Emulator.Statistics.TooManyRequestsSent
                $s.Emulator.Statistics.CallsCreated");
            var seconds = Convert.ToDouble(d[0].BaseObject);
            Console.WriteLine($"placed {d[2]} calls in {seconds:0.0} virtual s; the Heavy budget allows {9 * 60} s (nine full windows after the first ten): {seconds / 540 * 100 - 100:0.00}% over; 429s: {d[1]}");

            PlaceFirstThenWait(rs);
        }

        /// <summary>Section (f) alone: <c>-- figures f</c>.</summary>
        public static void PrintPlaceFirstThenWait()
        {
            using var rs = Harness.OpenRunspace(import: true);
            PlaceFirstThenWait(rs);
        }

        private static void PlaceFirstThenWait(System.Management.Automation.Runspaces.Runspace rs)
        {
            Console.WriteLine();
            Console.WriteLine("(f) Calls placed first, then waited on (-Until Ended), RingCentral's default limits; one in ten busy, one in ten rejected");
            Console.WriteLine("| -Via | calls | outcome known | from the call log | Result and Duration filled | Unknown | Gone | ring-out GETs per call | call log reads | 429s | wait (virtual s) | latest outcome after its event (virtual s) | decided before the wait: latest outcome after its start (s) |");
            Console.WriteLine("|-----|------:|--------------:|------------------:|---------------------------:|--------:|-----:|-----------------------:|---------------:|-----:|-----------------:|------:|------:|");
            foreach (var (n, via, drop, piped) in new[] { (100, "Polling", false, false), (1000, "Polling", false, false), (100, "Events", false, false), (1000, "Events", false, false), (1000, "Events", true, false),
                                                           (100, "Events", false, true), (1000, "Events", false, true), (1000, "Events", true, true) })
            {
                var f = Harness.Run(rs, @"$s = Connect-RingCentral -Environment Emulator -VirtualTime -PassThru
                    $numbers = 0..($args[0] - 1) | ForEach-Object { if ($_ % 10 -eq 3) { '+16505550101' } elseif ($_ % 10 -eq 7) { '+16505550103' } else { '+1415{0:d7}' -f $_ } }
                    $calls = if ($args[3]) { $numbers } else { $numbers | New-RingOutCall }
                    $gets = $s.Emulator.Statistics.Count('GET', 'ring-out'); $logs = $s.Emulator.Statistics.Count('GET', 'call-log'); $start = $s.Emulator.Clock.Elapsed.TotalSeconds
                    if ($args[2]) {
                        # The socket dropped every 5 minutes of the wait (each recovered with its wsc).
                        $timer = $s.Emulator.DropSocketsEvery([TimeSpan]::FromMinutes(5))
                    }
                    $done = if ($args[3]) { @($calls | New-RingOutCall | Wait-RingOutCall -Until Ended -Via $args[1]) } else { @($calls | Wait-RingOutCall -Until Ended -Via $args[1]) }
                    if ($timer) { $timer.Dispose() }
                    @($done | Where-Object { $_.State -in 'Ended', 'Failed' }).Count
                    @($done | Where-Object { $_.CallLog }).Count
                    @($done | Where-Object { $_.Result -and $null -ne $_.Duration }).Count
                    @($done | Where-Object State -eq 'Unknown').Count
                    @($done | Where-Object State -eq 'Gone').Count
                    $s.Emulator.Statistics.Count('GET', 'ring-out') - $gets
                    $s.Emulator.Statistics.Count('GET', 'call-log') - $logs
                    $s.Emulator.Statistics.TooManyRequestsSent
                    $s.Emulator.Clock.Elapsed.TotalSeconds - $start
                    # How long after the moment that decided it (the call's end, on the emulator's clock) each outcome
                    # learnt from events was written: the largest.
                    $ended = @{}; foreach ($c in $s.Emulator.Calls) { $ended[[string]$c.Id] = $c.EndedAt }
                    $waitStart = $s.Emulator.Clock.GetUtcNow().AddSeconds(-($s.Emulator.Clock.Elapsed.TotalSeconds - $start))
                    $fromEvents = @($done | Where-Object { -not $_.CallLog })
                    $lags = @($fromEvents | Where-Object { $ended[$_.Id] -gt $waitStart } | ForEach-Object { ($_.RetrievedAt - $ended[$_.Id]).TotalSeconds })
                    if ($lags.Count) { [Linq.Enumerable]::Max([double[]]$lags) } else { -1 }
                    # Calls decided before the wait began (their deciding event came before the subscription, so never):
                    # how long after the start of the wait their outcome was written.
                    $before = @($fromEvents | Where-Object { $ended[$_.Id] -le $waitStart } | ForEach-Object { ($_.RetrievedAt - $waitStart).TotalSeconds })
                    if ($before.Count) { [Linq.Enumerable]::Max([double[]]$before) } else { -1 }", n, via, drop, piped);
                var lag = Convert.ToDouble(f[9].BaseObject);
                var before = Convert.ToDouble(f[10].BaseObject);
                Console.WriteLine($"| {via + (piped ? ", piped through" : ", placed first") + (drop ? ", socket dropped every 5 min" : "")} | {n,5} | {f[0],13} | {f[1],17} | {Convert.ToDouble(f[2].BaseObject) * 100 / n,25:0.0}% | {f[3],7} | {f[4],4} | {Convert.ToDouble(f[5].BaseObject) / n,22:0.00} | {f[6],14} | {f[7],4} | {Convert.ToDouble(f[8].BaseObject),16:0} | {(lag < 0 ? "-" : lag.ToString("0.0"))} | {(before < 0 ? "-" : before.ToString("0.0"))} |");
            }
        }
    }
}
