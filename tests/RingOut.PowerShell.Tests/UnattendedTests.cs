using System;
using System.IO;
using System.Linq;
using System.Net.Http;
using Xunit;
using Xunit.Abstractions;

namespace RingOut.PowerShell.Tests
{
    /// <summary>
    /// Issue 14: what a scheduled run does and leaves behind, in the real pwsh against the loopback emulator with the
    /// RC_* variables it prints: the shipped Examples/Invoke-RingOutBatch.ps1 (its outcomes CSV and every exit code),
    /// and a transcript under -Verbose -Debug with faults at every step, which must hold no secret.
    /// </summary>
    [Collection("PowerShell")]
    public sealed class UnattendedTests : IDisposable
    {
        private readonly ITestOutputHelper _out;
        private readonly string _dir = Directory.CreateTempSubdirectory("ringout-unattended-").FullName;
        public UnattendedTests(ITestOutputHelper output) { _out = output; }
        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private static string Batch => Path.Combine(Path.GetDirectoryName(PowerShellHost.ModuleManifest), "Examples", "Invoke-RingOutBatch.ps1");

        private (int Code, string Output) Pwsh(EmulatorServer server, string[] arguments, params (string, string)[] overrides)
        {
            var environment = server.Variables.Select(v => (v.Key, v.Value)).Where(v => !overrides.Any(o => o.Item1 == v.Key)).Concat(overrides).ToArray();
            var (code, output) = RealPowerShell.Run(RealPowerShell.Path, new[] { "-NoProfile", "-NonInteractive" }.Concat(arguments).ToArray(), TimeSpan.FromMinutes(5), _dir, environment);
            _out.WriteLine($"exit {code}:\n{output}");
            return (code, output);
        }

        private string Csv(string name, params string[] lines)
        {
            var path = Path.Combine(_dir, name);
            File.WriteAllLines(path, lines);
            return path;
        }

        /// <summary>The fields of a line Export-Csv wrote (every field quoted; a field may hold commas, as an outcome does).</summary>
        private static string[] Fields(string line) =>
            System.Text.RegularExpressions.Regex.Matches(line, "\"((?:[^\"]|\"\")*)\"").Select(m => m.Groups[1].Value.Replace("\"\"", "\"")).ToArray();

        private static string[][] Rows(string path) => File.ReadAllLines(path).Skip(1).Select(Fields).ToArray();

        private static string[] Header(string path) => Fields(File.ReadAllLines(path)[0]);

        [SkippableFact]
        public void The_batch_script_writes_every_outcome_and_exits_0_when_all_connect_1_when_some_do_not_and_2_when_the_run_fails()
        {
            RealPowerShell.SkipUnlessFound("The scheduled-run test");
            using var server = new EmulatorServer("--no-rate-limits");
            string Out(string name) => Path.Combine(_dir, name);

            // 0: every call connected; the input's columns are kept, in order, with the outcome beside them.
            var all = Csv("all.csv", "Name,To", "Ann,+14155550111", "Bob,(415) 555-0112", "Cy,+14155550113");
            var (code, _) = Pwsh(server, new[] { "-File", Batch, "-Path", all, "-OutFile", Out("all-out.csv"), "-LogPath", Out("run.log") });
            Assert.Equal(0, code);
            Assert.Equal(new[] { "Name", "To", "Id", "State", "From", "PlacedAt", "Result", "Duration", "Source", "Outcome", "Error" }, Header(Out("all-out.csv")));
            var rows = Rows(Out("all-out.csv"));
            Assert.Equal(new[] { "Ann", "Bob", "Cy" }, rows.Select(r => r[0]));
            Assert.All(rows, r => Assert.Matches("^[0-9]+$", r[2]));
            Assert.All(rows, r => Assert.Equal("Ended", r[3]));
            Assert.True(File.Exists(Out("run.log")), "-LogPath keeps the run's transcript");

            // 1: some did not connect (busy, rejected, not a number): each row says why; the rest connected.
            var some = Csv("some.csv", "To", "+14155550121", "+16505550101", "+16505550103", "not a number");
            (code, _) = Pwsh(server, new[] { "-File", Batch, "-Path", some, "-OutFile", Out("some-out.csv") });
            Assert.Equal(1, code);
            rows = Rows(Out("some-out.csv"));
            Assert.Equal(new[] { "Ended", "Failed", "Failed", "Error" }, rows.Select(r => r[2]));
            Assert.StartsWith("RingOut.InvalidPhoneNumber", rows[3][9]);
            Assert.Equal("", rows[3][1]); // never placed: no id
            var stats = Stats(server);
            Assert.Equal(3 + 3, stats); // every call placed once: three in the first run, three in the second

            // 2: the run itself failed: no To column (nor PhoneNumber, Phone, Number); credentials RingCentral refuses. Nothing is placed.
            var wrong = Csv("wrong.csv", "Mobile", "+14155550131");
            (code, var output) = Pwsh(server, new[] { "-File", Batch, "-Path", wrong, "-OutFile", Out("wrong-out.csv") });
            Assert.Equal(2, code);
            Assert.Contains("has no To property", output);
            Assert.Contains("Mobile", output);
            (code, output) = Pwsh(server, new[] { "-File", Batch, "-Path", all, "-OutFile", Out("refused-out.csv") }, ("RC_APP_CLIENT_SECRET", "not-the-secret"));
            Assert.Equal(2, code);
            Assert.Contains("RingCentral refused the sign-in", output);
            Assert.Equal(6, Stats(server));
        }

        private static long Stats(EmulatorServer server)
        {
            using var http = new HttpClient();
            var json = http.GetStringAsync(new Uri(new Uri(server.Variables["RC_SERVER_URL"]), "/_emulator/stats")).Result;
            return System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("callsCreated").GetInt64();
        }

        [SkippableFact]
        public void A_transcript_under_Verbose_and_Debug_with_faults_at_every_step_holds_no_secret()
        {
            RealPowerShell.SkipUnlessFound("The transcript test");
            using var server = new EmulatorServer("--no-rate-limits");
            var transcript = Path.Combine(_dir, "transcript.txt");
            // Faults at every step: the sign-in, the identity read, a refresh forced by an expired token, a session
            // RingCentral ends (healed by signing in again), the placing (an answer lost after acting), the reads.
            var script = @"
                $ErrorActionPreference = 'Continue'
                $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'
                Start-Transcript -Path $env:TRANSCRIPT
                $faults = $env:RC_SERVER_URL.TrimEnd('/') + '/_emulator/faults'
                function Fault($query) { $null = Invoke-RestMethod -Method Post -Uri ""$($faults)?$query"" -Verbose:$false -Debug:$false }
                Fault 'kind=ServerError&method=POST&route=token&times=1'
                Fault 'kind=ServerError&method=GET&route=extension&times=1'
                Import-Module $env:RINGOUT_MODULE
                Connect-RingCentral -Verbose -Debug
                Fault 'kind=ExpireAccessToken&method=GET&route=forwarding-number&times=1'
                Get-RingCentralForwardingNumber -Verbose -Debug
                Fault 'kind=TooManyRequests&method=POST&route=ring-out&times=1&retryAfter=1'
                $call = New-RingOutCall -To '+14155550141' -Verbose -Debug
                Fault 'kind=DropAfterActing&method=POST&route=ring-out&times=1'
                New-RingOutCall -To '+14155550142' -Verbose -Debug
                Fault 'kind=ServerError&method=GET&route=ring-out&times=2'
                $call | Wait-RingOutCall -Until Ended -Via Polling -PollInterval 0.5 -Verbose -Debug
                Fault 'kind=RevokeSession&method=GET&route=ring-out&times=1'
                $call | Get-RingOutCall -Verbose -Debug
                Get-RingCentralSession -Verbose -Debug | Format-List *
                (Get-RingCentralSession).UnknownOutcomes | Format-List *
                Disconnect-RingCentral -Verbose -Debug
                Stop-Transcript";
            var (code, output) = Pwsh(server, new[] { "-Command", script },
                ("RINGOUT_MODULE", PowerShellHost.ModuleManifest), ("TRANSCRIPT", transcript));
            Assert.Equal(0, code);
            var text = File.ReadAllText(transcript);
            // The transcript is the record it claims to be: the faults were met, and written down.
            Assert.Contains("POST /restapi/oauth/token -> 503", text);
            Assert.Matches("UnknownOutcomes +: {\\+14155550142", text); // the lost answer (RingOut.OutcomeUnknown), on the record
            Assert.Contains("Signed in again with the JWT credential", text);
            Assert.Contains("/ring-out", text);
            // And it holds no secret: not the client secret, not the JWT, not a token the emulator issued.
            foreach (var secret in new[] { server.Variables["RC_APP_CLIENT_SECRET"], server.Variables["RC_USER_JWT"] })
            {
                Assert.DoesNotContain(secret, text);
                Assert.DoesNotContain(secret, output);
            }
            Assert.DoesNotContain("RCEMU-", text);
            Assert.DoesNotContain("RCEMU-", output);
        }

        [SkippableFact]
        public void The_vault_recipe_runs_with_a_SecretStore_vault_set_up_without_prompts_and_no_secret_reaches_a_file_or_the_output()
        {
            RealPowerShell.SkipUnlessFound("The vault test");
            using var server = new EmulatorServer("--no-rate-limits");
            var home = Directory.CreateDirectory(Path.Combine(_dir, "home")).FullName;
            var id = server.Variables["RC_APP_CLIENT_ID"];
            var secret = server.Variables["RC_APP_CLIENT_SECRET"];
            var jwt = server.Variables["RC_USER_JWT"];
            // The vault user's own HOME, and no credential in the environment: only RC_SERVER_URL says where to go.
            var noCredentials = new[] { ("HOME", home), ("XDG_DATA_HOME", ""), ("XDG_CONFIG_HOME", ""), ("RC_APP_CLIENT_ID", ""), ("RC_APP_CLIENT_SECRET", ""), ("RC_USER_JWT", "") };

            // Set up once, as an admin would (the store's own password, then no prompts ever).
            var (code, output) = Pwsh(server, new[] { "-Command", @"
                $ErrorActionPreference = 'Stop'
                $pw = ConvertTo-SecureString 'a store password for this test only' -AsPlainText -Force
                Register-SecretVault -Name Store -ModuleName Microsoft.PowerShell.SecretStore -DefaultVault
                Set-SecretStoreConfiguration -Scope CurrentUser -Authentication None -Interaction None -Password $pw -Confirm:$false
                Set-Secret -Name RingOutClientId -Secret $env:SETUP_ID
                Set-Secret -Name RingOutClientSecret -Secret (ConvertTo-SecureString $env:SETUP_SECRET -AsPlainText -Force)
                Set-Secret -Name RingOutJwt -Secret (ConvertTo-SecureString $env:SETUP_JWT -AsPlainText -Force)
                'vault ready'" }, noCredentials.Concat(new[] { ("SETUP_ID", id), ("SETUP_SECRET", secret), ("SETUP_JWT", jwt) }).ToArray());
            Assert.True(code == 0, output);

            // The README's recipe: the secrets stay SecureString from the vault to the session.
            (code, output) = Pwsh(server, new[] { "-Command", @"
                $ErrorActionPreference = 'Stop'
                Import-Module $env:RINGOUT_MODULE
                Connect-RingCentral -ClientId (Get-Secret RingOutClientId -AsPlainText) -ClientSecret (Get-Secret RingOutClientSecret) -Jwt (Get-Secret RingOutJwt) -Verbose
                $call = New-RingOutCall -To '+14155550123' | Wait-RingOutCall -Until Ended
                'STATE ' + $call.State
                Get-RingCentralSession | Format-List * | Out-String" }, noCredentials.Concat(new[] { ("RINGOUT_MODULE", PowerShellHost.ModuleManifest) }).ToArray());
            Assert.True(code == 0, output);
            Assert.Contains("STATE Ended", output);

            // The batch script, named the vault.
            var csv = Csv("vault.csv", "To", "+14155550124");
            (code, output) = Pwsh(server, new[] { "-File", Batch, "-Path", csv, "-OutFile", Path.Combine(_dir, "vault-out.csv"), "-Vault", "Store", "-LogPath", Path.Combine(_dir, "vault.log") }, noCredentials);
            Assert.True(code == 0, output);
            Assert.Equal("Ended", Rows(Path.Combine(_dir, "vault-out.csv")).Single()[2]);

            // Nothing written holds a secret in the clear: not the vault's files, the transcript, the outcomes, the output.
            foreach (var file in Directory.EnumerateFiles(_dir, "*", SearchOption.AllDirectories))
            {
                var text = File.ReadAllText(file);
                Assert.DoesNotContain(secret, text);
                Assert.DoesNotContain(jwt, text);
            }
            Assert.DoesNotContain(secret, output);
            Assert.DoesNotContain(jwt, output);
        }
    }
}
