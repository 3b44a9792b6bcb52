using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using Xunit;

namespace RingOut.PowerShell.Tests
{
    [Collection("PowerShell")]
    public sealed class HelpTests
    {
        /// <summary>The cmdlets, as the manifest lists them (ModuleTests checks the list against the assembly's cmdlets).</summary>
        public static readonly string[] Cmdlets = ManifestCmdlets();

        private static string[] ManifestCmdlets()
        {
            var manifest = File.ReadAllText(PowerShellHost.ModuleManifest);
            var list = Regex.Match(manifest, @"CmdletsToExport\s*=\s*@\((.*?)\)", RegexOptions.Singleline).Groups[1].Value;
            return Regex.Matches(list, "'([^']+)'").Cast<Match>().Select(m => m.Groups[1].Value).ToArray();
        }

        private static readonly string Docs = Path.Combine(PowerShellHost.RepositoryRoot, "docs", "RingOut");

        public static IEnumerable<object[]> CmdletNames() => Cmdlets.Select(c => new object[] { c });

        [Theory]
        [MemberData(nameof(CmdletNames))]
        public void Get_Help_Full_shows_synopsis_description_every_parameter_and_two_examples(string cmdlet)
        {
            using var ps = new PowerShellHost();
            var help = Assert.Single(ps.Ok("Get-Help $args[0] -Full", cmdlet));
            var page = File.ReadAllText(Path.Combine(Docs, cmdlet + ".md"));
            Assert.Equal(Words(Section(page, "SYNOPSIS")), Words(help.Properties["Synopsis"].Value.ToString()));
            var description = string.Join(" ", ps.Ok("(Get-Help $args[0] -Full).description | ForEach-Object { $_.Text }", cmdlet).Select(o => o.ToString()));
            Assert.Equal(Words(Section(page, "DESCRIPTION")), Words(description));

            var declared = ps.Ok(@"(Get-Command $args[0]).Parameters.Keys", cmdlet).Select(o => o.ToString())
                .Except(new[] { "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
                                "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable" }).OrderBy(n => n);
            var helped = ps.Ok("(Get-Help $args[0] -Full).parameters.parameter | Where-Object { $_ } | ForEach-Object { $_.name }", cmdlet).Select(o => o.ToString()).OrderBy(n => n);
            Assert.Equal(declared, helped);
            var described = ps.Ok("(Get-Help $args[0] -Full).parameters.parameter | Where-Object { $_ } | ForEach-Object { ($_.description | ForEach-Object { $_.Text }) -join ' ' }", cmdlet);
            Assert.All(described, d => Assert.False(string.IsNullOrWhiteSpace(d?.ToString())));

            // The Docs task moves the code PlatyPS 1.0 leaves fenced in the introduction into the code element.
            var examples = ps.Ok("(Get-Help $args[0] -Examples).examples.example | ForEach-Object { $_.code }", cmdlet)
                .Where(e => !string.IsNullOrWhiteSpace(e?.ToString())).ToList();
            Assert.True(examples.Count >= 2, $"{cmdlet} has {examples.Count} examples with code");
            var link = ps.Ok("(Get-Command $args[0]).HelpUri", cmdlet).Single().ToString();
            Assert.EndsWith($"/docs/RingOut/{cmdlet}.md", link);
        }

        private static string Words(string s) => Regex.Replace(s, @"\s+", " ").Trim();

        /// <summary>The text of a markdown page's "## NAME" section.</summary>
        private static string Section(string page, string name) =>
            Regex.Match(page, $@"^## {name}\s*$(.*?)(?=^## )", RegexOptions.Multiline | RegexOptions.Singleline).Groups[1].Value;

        /// <summary>The code of the first powershell fence in a text, or null.</summary>
        private static string Code(string text)
        {
            var m = Regex.Match(text, @"```powershell\s*\n(.*?)```", RegexOptions.Singleline);
            return m.Success ? m.Groups[1].Value : null;
        }

        public static IEnumerable<object[]> Examples() =>
            Cmdlets.SelectMany(c => Regex.Split(Section(File.ReadAllText(Path.Combine(Docs, c + ".md")), "EXAMPLES"), @"^### ", RegexOptions.Multiline)
                .Select(Code).Where(code => code != null).Select((code, i) => new object[] { c, i + 1, code }));

        // The hosted engine has only Microsoft.PowerShell.Core; these stand in for the few other everyday commands
        // the examples use, as every full PowerShell has them.
        private const string Shims = @"
            # SecretManagement with a vault that holds the emulator's demo secret.
            if (-not (Get-Command Get-Secret -ErrorAction Ignore)) {
                function global:Get-Secret($Name) { @{ RcSecret = 'emulator-demo-client-secret' }[$Name] | ForEach-Object { [Net.NetworkCredential]::new('', $_).SecurePassword } }
            }
            if (-not (Get-Command Join-Path -ErrorAction Ignore)) { function global:Join-Path($Path, $ChildPath) { [IO.Path]::Combine($Path, $ChildPath) } }
            if (-not (Get-Command Set-Content -ErrorAction Ignore)) { function global:Set-Content($Path, $Value) { [IO.File]::WriteAllLines($Path, [string[]]$Value) } }
            if (-not (Get-Command Import-Csv -ErrorAction Ignore)) {
                function global:Import-Csv($Path) {
                    $lines = [IO.File]::ReadAllLines($Path); $names = $lines[0].Split(',')
                    foreach ($line in $lines[1..($lines.Count - 1)]) {
                        $row = [ordered]@{}; $cells = $line.Split(',')
                        for ($i = 0; $i -lt $names.Count; $i++) { $row[$names[$i]] = $cells[$i] }
                        [pscustomobject]$row
                    }
                }
            }";

        [Theory]
        [MemberData(nameof(Examples))]
        public void Every_help_example_runs_against_the_emulator_without_error(string cmdlet, int number, string code)
        {
            using var ps = new PowerShellHost();
            ps.Ok(Shims);
            // From the first line with -WhatIf on, an example sends nothing: the emulator counts every request.
            var lines = code.Split('\n');
            var whatIf = Array.FindIndex(lines, l => l.Contains("-WhatIf", StringComparison.OrdinalIgnoreCase));
            var before = whatIf < 0 ? code : string.Join("\n", lines.Take(whatIf));
            var r = ps.Run(before);
            long sent = 0;
            if (whatIf >= 0 && r.Terminating == null && r.Errors.Count == 0)
            {
                sent = Requests(ps);
                r = ps.Run(string.Join("\n", lines.Skip(whatIf)));
            }
            Assert.True(r.Terminating == null && r.Errors.Count == 0,
                $"{cmdlet} example {number}: {r.Terminating?.Message} {string.Join("; ", r.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e))}");
            if (whatIf >= 0)
                Assert.True(sent == Requests(ps), $"{cmdlet} example {number} sent {Requests(ps) - sent} requests from its -WhatIf line on:\n{string.Join("\n", lines.Skip(whatIf))}");
        }

        [Fact]
        public void Help_shows_no_markdown_and_no_NET_generic_names()
        {
            using var ps = new PowerShellHost();
            foreach (var cmdlet in Cmdlets)
            {
                // What Get-Help prints after each parameter's name (-PlacedAt <...>), and its type.
                var types = ps.Ok(@"$h = Get-Help $args[0] -Full
                    $h.parameters.parameter | ForEach-Object { $_.parameterValue; $_.type.name }
                    $h.syntax.syntaxItem.parameter | ForEach-Object { $_.parameterValue }", cmdlet).Select(o => o?.ToString());
                Assert.DoesNotContain(types, t => t != null && t.Contains("Nullable"));
                // Prose has no markdown code spans (the code of an example is its own element, without fences).
                var prose = string.Join("\n", ps.Ok(@"$h = Get-Help $args[0] -Full
                    $h.description.Text; $h.examples.example | ForEach-Object { $_.remarks.Text }; $h.parameters.parameter | ForEach-Object { $_.description.Text }", cmdlet).Select(o => o?.ToString()));
                Assert.DoesNotContain("`", prose);
            }
            var placedAt = ps.Ok("(Get-Help Wait-RingOutCall -Full).parameters.parameter | Where-Object name -eq PlacedAt | ForEach-Object { $_.parameterValue }").Single().ToString();
            Assert.Equal("System.DateTimeOffset", placedAt);
        }

        [Fact]
        public void The_vault_example_reads_the_vault()
        {
            var page = File.ReadAllText(Path.Combine(Docs, "Connect-RingCentral.md"));
            var example = Regex.Match(page, @"### Example \d+: Keep the credentials in a SecretManagement vault\s*(.*?)(?=^### )", RegexOptions.Singleline | RegexOptions.Multiline).Groups[1].Value;
            Assert.Contains("-ClientSecret (Get-Secret RcSecret)", Code(example));
        }

        /// <summary>The requests the current session's emulator has served (0 without one).</summary>
        private static long Requests(PowerShellHost ps) =>
            Convert.ToInt64(ps.Ok("$s = Get-RingCentralSession; if ($s -and $s.Emulator) { $s.Emulator.Statistics.TotalRequests } else { 0 }").Single().BaseObject);

        [Theory]
        [InlineData("about_RingOut", "Places and follows RingCentral RingOut calls")]
        [InlineData("about_RingOut_Emulator", "+16505550101")]
        [InlineData("about_RingOut", "Invoke-RingOutBatch -JournalPath")]
        [InlineData("about_RingOut", "ConvertTo-RingCentralDialPage")]
        [InlineData("about_RingOut_Emulator", "Call Control")]
        [InlineData("about_RingOut_Emulator", "From a clone of the RingOut repository")]
        public void The_about_topics_are_found_by_Get_Help(string topic, string text)
        {
            using var ps = new PowerShellHost();
            var help = string.Join("\n", ps.Ok("Get-Help $args[0]", topic).Select(o => o.ToString()));
            Assert.Contains(text, help);
        }
    }
}
