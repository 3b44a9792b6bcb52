using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using Xunit;

namespace RingOut.PowerShell.Tests
{
    [Collection("PowerShell")]
    public sealed class ModuleTests
    {
        private static readonly string[] Commands = HelpTests.Cmdlets;

        [Fact]
        public void The_manifest_is_valid_and_matches_the_build_version()
        {
            using var ps = new PowerShellHost(importModule: false);
            var info = Assert.Single(ps.Ok("Test-ModuleManifest -Path $args[0]", PowerShellHost.ModuleManifest));
            Assert.Equal(PowerShellHost.ModuleVersion, info.Properties["Version"].Value.ToString());
            Assert.Equal("bin/RingOut.PowerShell.dll", info.Properties["RootModule"].Value);
            Assert.Equal(new[] { "Core", "Desktop" }, ((System.Collections.IEnumerable)info.Properties["CompatiblePSEditions"].Value).Cast<object>().Select(o => o.ToString()).OrderBy(s => s));
        }

        [Fact]
        public void Importing_exports_exactly_the_listed_cmdlets_each_with_an_output_type()
        {
            using var ps = new PowerShellHost();
            var names = ps.Ok("Get-Command -Module RingOut | ForEach-Object Name").Select(o => o.ToString()).OrderBy(n => n);
            Assert.Equal(Commands.OrderBy(n => n), names);
            // The manifest lists every cmdlet the assembly declares, and no other.
            var declared = ps.Ok(@"@(Get-Command -Module RingOut)[0].ImplementingType.Assembly.GetTypes() |
                ForEach-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
                ForEach-Object { $_.VerbName + '-' + $_.NounName }").Select(o => o.ToString()).OrderBy(n => n);
            Assert.Equal(declared, names);
            foreach (var name in Commands)
            {
                var outputs = ps.Ok("(Get-Command $args[0]).OutputType.Count", name);
                Assert.True((int)outputs[0].BaseObject > 0, $"{name} has no [OutputType]");
            }
            Assert.Empty(ps.Run("Import-Module $args[0] -Force", PowerShellHost.ModuleManifest).Warnings); // approved verbs
        }

        [Fact]
        public void The_state_changing_cmdlets_support_WhatIf_and_Confirm()
        {
            using var ps = new PowerShellHost();
            foreach (var name in new[] { "New-RingOutCall", "Stop-RingOutCall" })
                Assert.True((bool)ps.Ok("(Get-Command $args[0]).Parameters.ContainsKey('WhatIf')", name)[0].BaseObject, name);
        }

        [Fact]
        public void The_format_file_loads_and_has_a_table_view_for_calls()
        {
            var path = Path.Combine(Path.GetDirectoryName(PowerShellHost.ModuleManifest), "RingOut.format.ps1xml");
            var table = new System.Management.Automation.Runspaces.FormatTable(new[] { path });
            Assert.NotNull(table);
            var xml = File.ReadAllText(path);
            foreach (var column in new[] { "Id", "State", "To" }) // fits 80 columns (ConsoleTests)
                Assert.Contains($"<PropertyName>{column}</PropertyName>", xml);
            foreach (var shown in new[] { "$_.From", "$_.Result", "$_.CallerStatus", "$_.CalleeStatus" })
                Assert.Contains(shown, xml);
        }

        [Fact]
        public void Every_ps1_and_psd1_in_the_repository_parses()
        {
            var files = Directory.EnumerateFiles(PowerShellHost.RepositoryRoot, "*.*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".ps1", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".psd1", StringComparison.OrdinalIgnoreCase))
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") &&
                            !f.Contains($"{Path.DirectorySeparatorChar}out{Path.DirectorySeparatorChar}"))
                .ToList();
            Assert.Contains(files, f => f.EndsWith("RingOut.psd1"));
            foreach (var file in files)
            {
                Parser.ParseFile(file, out _, out var errors);
                Assert.True(errors.Length == 0, $"{file}: {string.Join("; ", errors.Select(e => $"{e.Extent.StartLineNumber}: {e.Message}"))}");
            }
        }
    }
}
