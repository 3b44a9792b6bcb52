using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace RingOut.PowerShell.Tests
{
    /// <summary>
    /// Issue 24: bulk runs that survive being killed. The shipped Examples/Invoke-RingOutBatch.ps1 in the real pwsh
    /// against the loopback emulator with RingCentral's default limits, killed (SIGKILL) at deterministic points — the
    /// emulator holds a request until the test has killed the run — and run again: no row is called twice, every row
    /// ends with its outcome or Unknown with the reason. Two overlapping runs of one journal; outcomes collected later
    /// by a new process; an output that cannot be written.
    /// </summary>
    [Collection("PowerShell")]
    public sealed class BatchRunTests : IDisposable
    {
        private readonly ITestOutputHelper _out;
        private readonly string _dir = Directory.CreateTempSubdirectory("ringout-batch-").FullName;
        public BatchRunTests(ITestOutputHelper output) { _out = output; }
        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private static string Batch => Path.Combine(Path.GetDirectoryName(PowerShellHost.ModuleManifest), "Examples", "Invoke-RingOutBatch.ps1");
        private string Out(string name) => Path.Combine(_dir, name);

        private string Csv(string name, params string[] lines)
        {
            File.WriteAllLines(Out(name), lines);
            return Out(name);
        }

        /// <summary>A pwsh process whose output lines can be waited for, and which can be killed (SIGKILL).</summary>
        private sealed class Run : IDisposable
        {
            private readonly Process _process;
            private readonly BlockingCollection<string> _lines = new BlockingCollection<string>();
            private readonly StringBuilder _all = new StringBuilder();

            public Run(IReadOnlyDictionary<string, string> variables, string workingDirectory, params string[] arguments)
            {
                var psi = new ProcessStartInfo(RealPowerShell.Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
                foreach (var a in new[] { "-NoProfile", "-NonInteractive" }.Concat(arguments)) psi.ArgumentList.Add(a);
                foreach (var v in variables) psi.Environment[v.Key] = v.Value;
                psi.Environment["NO_COLOR"] = "1";
                psi.Environment["RINGOUT_MODULE"] = PowerShellHost.ModuleManifest;
                _process = new Process { StartInfo = psi };
                void Line(string l) { if (l == null) return; lock (_all) _all.AppendLine(l); _lines.Add(l); }
                _process.OutputDataReceived += (_, e) => Line(e.Data);
                _process.ErrorDataReceived += (_, e) => Line(e.Data);
                _process.Start();
                _process.BeginOutputReadLine();
                _process.BeginErrorReadLine();
            }

            public string Output { get { lock (_all) return _all.ToString(); } }

            /// <summary>Waits for a line of output that contains <paramref name="text"/> (an event, not a time).</summary>
            public void WaitForLine(string text, TimeSpan limit)
            {
                var until = DateTime.UtcNow + limit;
                while (DateTime.UtcNow < until)
                    if (_lines.TryTake(out var line, until - DateTime.UtcNow) && line.Contains(text)) return;
                throw new TimeoutException($"No line with '{text}' within {limit}:\n{Output}");
            }

            public void Kill() { _process.Kill(entireProcessTree: true); _process.WaitForExit(); }

            public int Wait(TimeSpan limit)
            {
                if (!_process.WaitForExit((int)limit.TotalMilliseconds)) { Kill(); throw new TimeoutException("pwsh did not end:\n" + Output); }
                _process.WaitForExit();
                return _process.ExitCode;
            }

            public void Dispose() { if (!_process.HasExited) Kill(); _process.Dispose(); }
        }

        /// <summary>Starts a batch run, kills it (SIGKILL) once <paramref name="atPoint"/> returns, and keeps its output.</summary>
        private void KillWhen(IReadOnlyDictionary<string, string> v, string[] arguments, Action<Run> atPoint, string point)
        {
            using var run = new Run(v, _dir, arguments);
            atPoint(run);
            run.Kill();
            _out.WriteLine($"killed {point}:\n{run.Output}");
        }

        private (int Code, string Output) Pwsh(IReadOnlyDictionary<string, string> variables, params string[] arguments)
        {
            using var run = new Run(variables, _dir, arguments);
            var code = run.Wait(TimeSpan.FromMinutes(5));
            _out.WriteLine($"exit {code}:\n{run.Output}");
            return (code, run.Output);
        }

        private string[] BatchArgs(string input, string outFile) => new[] { "-File", Batch, "-Path", input, "-OutFile", outFile };

        private static string Emulator(IReadOnlyDictionary<string, string> v, string method, string pathAndQuery)
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
            var uri = new Uri(new Uri(v["RC_SERVER_URL"]), pathAndQuery);
            var response = http.Send(new HttpRequestMessage(new HttpMethod(method), uri));
            return response.Content.ReadAsStringAsync().Result;
        }

        private static void Fault(IReadOnlyDictionary<string, string> v, string query) => Emulator(v, "POST", "/_emulator/faults?" + query);

        /// <summary>Returns once the emulator holds a request (the run is at the kill point), never later than a minute.</summary>
        private static void WaitHeld(IReadOnlyDictionary<string, string> v)
        {
            var held = System.Text.Json.JsonDocument.Parse(Emulator(v, "GET", "/_emulator/held?count=1&wait=60")).RootElement.GetProperty("held").GetInt32();
            Assert.True(held >= 1, "The emulator held no request: the run never reached the kill point.");
        }

        private static void Release(IReadOnlyDictionary<string, string> v) => Emulator(v, "DELETE", "/_emulator/faults");

        private static long CallsCreated(IReadOnlyDictionary<string, string> v) => Stat(v, "callsCreated");

        private static long Stat(IReadOnlyDictionary<string, string> v, string name) =>
            System.Text.Json.JsonDocument.Parse(Emulator(v, "GET", "/_emulator/stats")).RootElement.GetProperty(name).GetInt64();

        private static string[] Fields(string line) =>
            System.Text.RegularExpressions.Regex.Matches(line, "\"((?:[^\"]|\"\")*)\"").Select(m => m.Groups[1].Value.Replace("\"\"", "\"")).ToArray();

        /// <summary>The rows of a report, each as column → value.</summary>
        private static List<Dictionary<string, string>> Report(string path)
        {
            var lines = File.ReadAllLines(path);
            var header = Fields(lines[0].TrimStart('\uFEFF'));
            return lines.Skip(1).Select(l => header.Zip(Fields(l)).ToDictionary(p => p.First, p => p.Second)).ToList();
        }

        private static string[] Journal(string path) => File.ReadAllLines(path);

        private static readonly string[] ReportHeader = { "Name", "To", "Id", "State", "From", "PlacedAt", "Result", "Duration", "Source", "Outcome", "Error" };

        [SkippableFact]
        public void A_run_killed_before_its_first_call_or_while_a_call_is_being_placed_and_run_again_calls_no_row_twice()
        {
            Skip.If(RealPowerShell.Path == null, $"The kill test was NOT run: {RealPowerShell.WhyNone}.");
            using var server = new EmulatorServer(); // RingCentral's default limits
            var v = server.Variables;

            // Killed before the first POST: the run holds its subscription request (made before any call).
            var input = Csv("a.csv", "Name,To", "Ann,+14155550111", "Bob,(415) 555-0112", "Cy,+16505550101");
            Fault(v, "kind=HoldBeforeActing&method=POST&route=wstoken");
            KillWhen(v, BatchArgs(input, Out("a-out.csv")), _ => WaitHeld(v), "before the first POST");
            Release(v);
            Assert.Equal(0, CallsCreated(v));
            Assert.DoesNotContain(Journal(Out("a-out.csv.journal")), l => l.Contains("\"row\""));
            var (code, output) = Pwsh(v, BatchArgs(input, Out("a-out.csv")));
            Assert.Equal(1, code); // Cy is busy
            Assert.Contains("stopped before its end", output.Split('\n').First(l => l.Trim().Length > 0)); // said on its first line
            var rows = Report(Out("a-out.csv"));
            Assert.Equal(ReportHeader, rows[0].Keys);
            Assert.Equal(new[] { "Ann", "Bob", "Cy" }, rows.Select(r => r["Name"]));
            Assert.Equal(new[] { "Ended", "Ended", "Failed" }, rows.Select(r => r["State"]));
            Assert.All(rows, r => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", r["PlacedAt"]));
            Assert.Equal(3, CallsCreated(v)); // one call per row across the kill and the rerun

            // Killed during a POST whose answer is lost: RingCentral placed the second call, and the run never heard.
            input = Csv("b.csv", "Name,To", "Di,+14155550121", "Ed,+14155550122", "Flo,+14155550123");
            Fault(v, "kind=ActThenHold&method=POST&route=ring-out&skip=1");
            KillWhen(v, BatchArgs(input, Out("b-out.csv")), _ => WaitHeld(v), "during the second POST");
            Release(v);
            Assert.Equal(3 + 2, CallsCreated(v));
            var journal = Journal(Out("b-out.csv.journal"));
            Assert.Contains(journal, l => l.Contains("\"event\":\"placed\",\"row\":0"));
            Assert.Contains(journal, l => l.Contains("\"event\":\"sending\",\"row\":1"));
            (code, output) = Pwsh(v, BatchArgs(input, Out("b-out.csv")));
            Assert.Equal(1, code); // one row's outcome is unknown
            rows = Report(Out("b-out.csv"));
            Assert.Equal(new[] { "Ended", "Unknown", "Ended" }, rows.Select(r => r["State"]));
            Assert.Contains("may have rung", rows[1]["Outcome"]);
            Assert.Equal("", rows[1]["Id"]);
            Assert.Equal(3 + 3, CallsCreated(v)); // the row whose answer was lost was not called again
            // A third run finds every row settled: nothing is placed, the same report is written.
            (code, _) = Pwsh(v, BatchArgs(input, Out("b-out.csv")));
            Assert.Equal(1, code);
            Assert.Equal(new[] { "Ended", "Unknown", "Ended" }, Report(Out("b-out.csv")).Select(r => r["State"]));
            Assert.Equal(6, CallsCreated(v));
        }

        [SkippableFact]
        public void A_run_killed_between_two_calls_while_it_waits_for_RingCentrals_limit_and_run_again_calls_each_row_once()
        {
            Skip.If(RealPowerShell.Path == null, $"The kill test was NOT run: {RealPowerShell.WhyNone}.");
            using var server = new EmulatorServer(); // Heavy: 10 calls a minute
            var v = server.Variables;
            var input = Csv("c.csv", new[] { "Name,To" }.Concat(Enumerable.Range(1, 11).Select(i => $"P{i},+1415555{i + 200:0000}")).ToArray());
            var watch = Stopwatch.StartNew();
            // The tenth call spends the minute's budget: the eleventh cannot be sent for about a minute.
            KillWhen(v, BatchArgs(input, Out("c-out.csv")), run => run.WaitForLine("row 10 (+14155550210): placed", TimeSpan.FromMinutes(2)), "between the tenth and the eleventh POST");
            Assert.Equal(10, CallsCreated(v));
            Assert.DoesNotContain(Journal(Out("c-out.csv.journal")), l => l.Contains("\"row\":10,"));
            watch.Restart();
            var (code, output) = Pwsh(v, BatchArgs(input, Out("c-out.csv")));
            _out.WriteLine($"rerun: {watch.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal(0, code);
            var rows = Report(Out("c-out.csv"));
            Assert.Equal(11, rows.Count);
            Assert.All(rows, r => Assert.Equal("Ended", r["State"]));
            Assert.Equal(11, rows.Select(r => r["Id"]).Distinct().Count());
            Assert.Equal(11, CallsCreated(v)); // one call per row
            Assert.Contains("11 row(s): 11 connected", output); // the summary line
        }

        [SkippableFact]
        public void A_run_killed_while_it_waits_for_outcomes_and_run_again_collects_them_without_calling_anyone()
        {
            Skip.If(RealPowerShell.Path == null, $"The kill test was NOT run: {RealPowerShell.WhyNone}.");
            // RingCentral's own timings: a connected call lasts about half a minute, so the run is still waiting when killed.
            using var server = new RingOut.Testing.EmulatorProcess(PowerShellHost.ServerAssembly);
            var v = server.Variables;
            var input = Csv("d.csv", "Name,To", "Gus,+14155550131", "Hal,+16505550103");
            KillWhen(v, BatchArgs(input, Out("d-out.csv")), run => run.WaitForLine("row 2 (+16505550103): placed", TimeSpan.FromMinutes(1)), "during the wait");
            Assert.Equal(2, CallsCreated(v));
            Assert.DoesNotContain(Journal(Out("d-out.csv.journal")), l => l.Contains("\"event\":\"outcome\""));
            var watch = Stopwatch.StartNew();
            var (code, output) = Pwsh(v, BatchArgs(input, Out("d-out.csv")));
            _out.WriteLine($"collected in {watch.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal(1, code);
            Assert.Contains("placed by an earlier run", output);
            var rows = Report(Out("d-out.csv"));
            Assert.Equal(new[] { "Ended", "Failed" }, rows.Select(r => r["State"]));
            Assert.Equal(2, CallsCreated(v));
        }

        [SkippableFact]
        public void Two_overlapping_runs_of_one_journal_never_both_place_calls_and_an_output_that_cannot_be_written_stops_the_run_before_any_call()
        {
            Skip.If(RealPowerShell.Path == null, $"The overlap test was NOT run: {RealPowerShell.WhyNone}.");
            using var server = new EmulatorServer();
            var v = server.Variables;
            var input = Csv("e.csv", "Name,To", "Ida,+14155550141", "Jo,+14155550142");

            Fault(v, "kind=HoldBeforeActing&method=POST&route=ring-out");
            using (var first = new Run(v, _dir, BatchArgs(input, Out("e-out.csv"))))
            {
                WaitHeld(v); // the first run is placing its first call
                var (busy, said) = Pwsh(v, BatchArgs(input, Out("e-out.csv")));
                Assert.Equal(2, busy);
                Assert.Contains("in use by another run", said);
                Release(v);
                var firstCode = first.Wait(TimeSpan.FromMinutes(2));
                _out.WriteLine("first run:\n" + first.Output);
                Assert.Equal(0, firstCode);
            }
            Assert.Equal(2, CallsCreated(v));
            Assert.Equal(new[] { "Ended", "Ended" }, Report(Out("e-out.csv")).Select(r => r["State"]));
            // Both runs revoked their sessions: the one that finished, and the one refused the journal.
            Assert.Equal(2, Stat(v, "sessionsOpened"));
            Assert.Equal(2, Stat(v, "sessionsRevoked"));

            // An output in a folder that does not exist: exit 2 before anyone is called (another emulator: the runs above
            // spent RingCentral's sign-in limit of the minute).
            using var other = new EmulatorServer();
            v = other.Variables;
            var (code, output) = Pwsh(v, BatchArgs(input, Path.Combine(_dir, "no such folder", "out.csv")));
            Assert.Equal(2, code);
            Assert.Contains("cannot be written", output);
            Assert.Equal(0, CallsCreated(v));
            Assert.Equal(1, Stat(v, "sessionsRevoked")); // a terminating error too revokes the session
        }

        /// <summary>A new process that pipes what <paramref name="calls"/> gives to Wait-RingOutCall, and writes a line per outcome.</summary>
        private (int Code, string Output) Collect(IReadOnlyDictionary<string, string> v, string calls) => Pwsh(v, "-Command", $@"
                $ErrorActionPreference = 'Stop'
                Import-Module $env:RINGOUT_MODULE
                Connect-RingCentral
                {calls} | Wait-RingOutCall -Until Ended -Timeout 120 | ForEach-Object {{ 'OUTCOME {{0}} {{1}} {{2}}' -f $_.To, $_.State, $_.Outcome }}
                Disconnect-RingCentral");

        [SkippableFact]
        public void Outcomes_are_collected_by_a_new_process_from_ImportClixml_soon_after_and_from_the_report_long_after_RingCentral_forgot_the_calls()
        {
            Skip.If(RealPowerShell.Path == null, $"The collect-later test was NOT run: {RealPowerShell.WhyNone}.");
            using var server = new EmulatorServer();
            var v = server.Variables;
            var (code, output) = Pwsh(v, "-Command", @"
                $ErrorActionPreference = 'Stop'
                Import-Module $env:RINGOUT_MODULE
                Connect-RingCentral
                New-RingOutCall -To '+14155550151', '+16505550101' | Export-Clixml calls.xml
                Disconnect-RingCentral");
            Assert.Equal(0, code);

            // Soon after, in a new process: each call's outcome, within the timeout.
            var watch = Stopwatch.StartNew();
            (code, output) = Collect(v, "Import-Clixml calls.xml");
            _out.WriteLine($"collected soon after in {watch.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal(0, code);
            Assert.Contains("OUTCOME +14155550151 Ended", output);
            Assert.Contains("OUTCOME +16505550101 Failed", output);

            // Long after: RingCentral forgot them (GET answers 404); a report's Id, To and PlacedAt columns find them in the
            // call log (an outcome from the call log is proof that RingCentral no longer knew the call).
            watch.Restart();
            (code, output) = Collect(v, "Import-Clixml calls.xml | Select-Object Id, To, @{ n = 'PlacedAt'; e = { $_.PlacedAt.UtcDateTime.ToString('o') } } | Export-Csv report.csv -NoTypeInformation; Import-Csv report.csv");
            _out.WriteLine($"collected from the call log in {watch.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal(0, code);
            Assert.Contains("OUTCOME +14155550151 Ended call log: Call connected", output);
            Assert.Contains("OUTCOME +16505550101 Failed call log: Busy", output);
            Assert.Equal(2, CallsCreated(v));
        }
    }
}
