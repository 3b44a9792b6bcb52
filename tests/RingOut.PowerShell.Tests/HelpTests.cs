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
        public static readonly string[] Cmdlets =
        {
            "Connect-RingCentral", "Disconnect-RingCentral", "Get-RingCentralSession",
            "New-RingOutCall", "Get-RingOutCall", "Stop-RingOutCall", "Wait-RingOutCall", "Invoke-RingOutBatch", "Get-RingCentralForwardingNumber",
            "ConvertTo-RingCentralDialUri", "ConvertTo-RingCentralDialPage", "Open-RingCentralDialUri",
        };

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

            // PlatyPS 1.0 puts an example's code, fenced, in the MAML introduction.
            var examples = ps.Ok("(Get-Help $args[0] -Examples).examples.example | ForEach-Object { ($_.introduction | ForEach-Object { $_.Text }) -join [Environment]::NewLine }", cmdlet)
                .Where(e => Code(e.ToString()) != null).ToList();
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
            var r = ps.Run(code);
            Assert.True(r.Terminating == null && r.Errors.Count == 0,
                $"{cmdlet} example {number}: {r.Terminating?.Message} {string.Join("; ", r.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e))}");
        }

        [Theory]
        [InlineData("about_RingOut", "Places and follows RingCentral RingOut calls")]
        [InlineData("about_RingOut_Emulator", "+16505550101")]
        public void The_about_topics_are_found_by_Get_Help(string topic, string text)
        {
            using var ps = new PowerShellHost();
            var help = string.Join("\n", ps.Ok("Get-Help $args[0]", topic).Select(o => o.ToString()));
            Assert.Contains(text, help);
        }
    }
}
