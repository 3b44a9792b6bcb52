using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace RingOut.PowerShell.Tests
{
    /// <summary>
    /// Issue 14: separate pwsh processes (the real one) placing calls for one user against the loopback emulator with
    /// RingCentral's default limits, as scheduled tasks on several hosts do. They share the user's budget (RingCentral
    /// counts per user and app) and RingCentral's limit of five parallel sessions per user and app.
    /// </summary>
    [Collection("PowerShell")]
    public sealed class FleetTests
    {
        private readonly ITestOutputHelper _out;
        public FleetTests(ITestOutputHelper output) { _out = output; }

        /// <summary>
        /// What one process runs (a scheduled task's script): it shares its user's rate limits with the other processes
        /// on the computer, and follows each call as it is placed. It prints every call it placed, every call it wrote
        /// at the end, its errors, and its session's sign-ins.
        /// </summary>
        private const string Worker = @"
            $ErrorActionPreference = 'Stop'
            Import-Module $env:RINGOUT_MODULE
            Connect-RingCentral -ShareRateLimits
            $numbers = 1..[int]$env:FLEET_CALLS | ForEach-Object { '+1415555{0:d4}' -f ([int]$env:FLEET_OFFSET + $_) }
            $done = @($numbers | New-RingOutCall -OutVariable placed -ErrorVariable +failed -ErrorAction SilentlyContinue |
                Wait-RingOutCall -Until Ended -ErrorVariable +failed -ErrorAction SilentlyContinue)
            $s = Get-RingCentralSession
            [pscustomobject]@{
                Placed = @($placed | ForEach-Object { @{ Id = $_.Id; At = $_.PlacedAt.ToUnixTimeMilliseconds() } })
                Done = @($done | ForEach-Object { @{ Id = $_.Id; State = [string]$_.State; At = $_.RetrievedAt.ToUnixTimeMilliseconds() } })
                Errors = @($failed | ForEach-Object { '{0}: {1}' -f $_.FullyQualifiedErrorId, $_.Exception.Message })
                SignInsAgain = @($s.SignInsAgain).Count
                Unknown = @($s.UnknownOutcomes).Count
            } | ConvertTo-Json -Depth 4 -Compress";

        private sealed class Report
        {
            public List<Dictionary<string, JsonElement>> Placed { get; set; } = new();
            public List<Dictionary<string, JsonElement>> Done { get; set; } = new();
            public List<string> Errors { get; set; } = new();
            public int SignInsAgain { get; set; }
            public int Unknown { get; set; }
        }

        private List<Report> RunFleet(EmulatorServer server, int processes, Func<int, int> callsOf)
        {
            // A home of the fleet's own: the file through which the processes share their rate limits is there.
            var home = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ringout-fleet-" + Guid.NewGuid().ToString("N"));
            System.IO.Directory.CreateDirectory(home);
            try { return RunFleet(server, processes, callsOf, home); }
            finally { System.IO.Directory.Delete(home, true); }
        }

        private List<Report> RunFleet(EmulatorServer server, int processes, Func<int, int> callsOf, string home)
        {
            var runs = Enumerable.Range(0, processes).Select(i => Task.Run(() => RealPowerShell.Run(RealPowerShell.Path,
                new[] { "-NoProfile", "-NonInteractive", "-Command", Worker }, TimeSpan.FromMinutes(8), null,
                server.Variables.Select(v => (v.Key, v.Value))
                    .Concat(new[] { ("RINGOUT_MODULE", PowerShellHost.ModuleManifest), ("FLEET_CALLS", callsOf(i).ToString()), ("FLEET_OFFSET", (i * 100).ToString()), ("HOME", home), ("XDG_DATA_HOME", System.IO.Path.Combine(home, "data")), ("LOCALAPPDATA", System.IO.Path.Combine(home, "data")) })
                    .ToArray()))).ToArray();
            Task.WaitAll(runs);
            var reports = new List<Report>();
            foreach (var (code, output) in runs.Select(r => r.Result))
            {
                _out.WriteLine(output);
                Assert.True(code == 0, "a process failed:\n" + output);
                var json = output.Split('\n').Select(l => l.Trim()).Last(l => l.StartsWith("{", StringComparison.Ordinal));
                reports.Add(JsonSerializer.Deserialize<Report>(json));
            }
            return reports;
        }

        private static JsonElement Stats(EmulatorServer server)
        {
            using var http = new HttpClient();
            return JsonDocument.Parse(http.GetStringAsync(new Uri(new Uri(server.Variables["RC_SERVER_URL"]), "/_emulator/stats")).Result).RootElement.Clone();
        }

        [SkippableFact]
        public void Three_processes_on_one_user_share_its_budget_place_every_call_once_and_finish_near_the_Heavy_floor()
        {
            RealPowerShell.SkipUnlessFound("The fleet test");
            using var server = new EmulatorServer();
            var reports = RunFleet(server, 3, _ => 10);
            var stats = Stats(server);

            var placed = reports.SelectMany(r => r.Placed).ToList();
            Assert.Equal(30, placed.Select(p => p["Id"].GetString()).Distinct().Count());
            Assert.Equal(30, stats.GetProperty("callsCreated").GetInt64()); // each placed once
            Assert.All(reports, r => Assert.Empty(r.Errors));
            Assert.All(reports, r => Assert.Equal(r.Placed.Select(p => p["Id"].GetString()).OrderBy(x => x), r.Done.Select(d => d["Id"].GetString()).OrderBy(x => x)));
            Assert.All(reports.SelectMany(r => r.Done), d => Assert.Equal("Ended", d["State"].GetString()));

            // RingCentral's Heavy budget (10 per 60 s, per user and app) is the floor: the 30th call cannot be placed
            // before two windows have passed. Sharing their rate limits, the processes place them within 10 % of it,
            // and no request is refused.
            var first = placed.Min(p => p["At"].GetInt64());
            var lastPlaced = TimeSpan.FromMilliseconds(placed.Max(p => p["At"].GetInt64()) - first);
            var lastDone = TimeSpan.FromMilliseconds(reports.SelectMany(r => r.Done).Max(d => d["At"].GetInt64()) - first);
            var floor = TimeSpan.FromSeconds(120);
            var tooMany = stats.GetProperty("tooManyRequests").GetInt64();
            var routes = stats.GetProperty("byRoute");
            long Count(string route) => routes.TryGetProperty(route, out var n) ? n.GetInt64() : 0;
            _out.WriteLine($"FLEET: 30 calls by 3 processes; last placed {lastPlaced.TotalSeconds:0.0} s and last outcome {lastDone.TotalSeconds:0.0} s after the first call (floor {floor.TotalSeconds:0} s); " +
                           $"429s: {tooMany}; Heavy reads: active calls {Count("GET active-calls")}, call log {Count("GET call-log")}; ring-out GETs {Count("GET ring-out")}; sessions opened {stats.GetProperty("sessionsOpened")}, revoked {stats.GetProperty("sessionsRevoked")}");
            Assert.Equal(0L, tooMany);
            Assert.InRange(lastPlaced, floor - TimeSpan.FromSeconds(1), floor * 1.05);
            // Every outcome is known by then too: each Wait-RingOutCall subscribed before its first call was placed, so
            // every call is told by its events, and no call needs the call log (Heavy, behind the placings).
            Assert.InRange(lastDone, lastPlaced, floor * 1.1);
        }

        [SkippableFact]
        public void Seven_processes_on_one_user_go_over_the_session_limit_and_each_heals_its_session_or_says_so_and_no_call_is_lost()
        {
            RealPowerShell.SkipUnlessFound("The fleet test");
            using var server = new EmulatorServer();
            var reports = RunFleet(server, 7, _ => 1);
            var stats = Stats(server);

            var created = stats.GetProperty("callsCreated").GetInt64();
            var revoked = stats.GetProperty("sessionsRevoked").GetInt64();
            var healed = reports.Sum(r => r.SignInsAgain);
            _out.WriteLine($"SESSIONS: 7 processes; sessions opened {stats.GetProperty("sessionsOpened")}, revoked {revoked}; signed in again {healed} times; 429s {stats.GetProperty("tooManyRequests")}; calls {created}");
            Assert.True(revoked >= 2, "seven sessions of one user and app: RingCentral revokes the oldest beyond five");
            // No call lost: every call the emulator saw placed is one a process reported, with its outcome or as unknown.
            Assert.Equal(created, reports.Sum(r => r.Placed.Count + r.Unknown));
            foreach (var r in reports)
            {
                // Each process either healed and finished its call, or said clearly why it could not.
                if (r.Errors.Count == 0) Assert.Equal(r.Placed.Count, r.Done.Count(d => d["State"].GetString() == "Ended"));
                else Assert.All(r.Errors, e => Assert.Matches("^RingOut\\.(SessionExpired|OutcomeUnknown|RateLimited)", e));
                Assert.Equal(r.Placed.Select(p => p["Id"].GetString()).OrderBy(x => x), r.Done.Select(d => d["Id"].GetString()).OrderBy(x => x));
            }
        }
    }
}
