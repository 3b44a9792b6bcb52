using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace RingOut.PowerShell.Tests
{
    /// <summary>
    /// Invoke-RingOutBatch in-process (issue 26's review): -WhatIf, the number column's names, the error for rows with
    /// none, numbers too long, and Duration as the cmdlets give it. Also the other commands' findings of that review.
    /// </summary>
    [Collection("PowerShell")]
    public sealed class BatchCmdletTests : IDisposable
    {
        private readonly PowerShellHost _ps = new PowerShellHost();
        private readonly string _dir = Directory.CreateTempSubdirectory("ringout-batch-cmdlet-").FullName;

        public BatchCmdletTests() => _ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime");

        public void Dispose()
        {
            _ps.Dispose();
            Directory.Delete(_dir, recursive: true);
        }

        private long Count(string method, string route) =>
            (long)_ps.Ok($"(Get-RingCentralSession).Emulator.Statistics.Count('{method}', '{route}')")[0].BaseObject;

        private string Journal => Path.Combine(_dir, "calls.journal");

        private static object P(PSObject o, string name) => o.Properties[name]?.Value;

        [Fact]
        public void WhatIf_places_no_call_and_writes_no_journal()
        {
            var r = _ps.Run("[pscustomobject]@{ To = '+14155550123' }, [pscustomobject]@{ To = '+14155550124' } | Invoke-RingOutBatch -JournalPath $args[0] -WhatIf", Journal);
            Assert.Null(r.Terminating);
            Assert.Empty(r.Errors);
            Assert.Empty(r.Output);
            Assert.Equal(0, Count("POST", "ring-out"));
            Assert.False(File.Exists(Journal), "-WhatIf wrote the journal");
            Assert.True(((CmdletInfo)_ps.Ok("Get-Command Invoke-RingOutBatch")[0].BaseObject).Parameters.ContainsKey("Confirm"));
        }

        [Fact]
        public void A_Phone_column_is_the_number_as_it_is_for_New_RingOutCall()
        {
            var r = _ps.Run("[pscustomobject]@{ Name = 'Alice'; Phone = '+14155550123' } | Invoke-RingOutBatch -JournalPath $args[0]", Journal);
            Assert.Empty(r.Errors);
            var row = Assert.Single(r.Output);
            Assert.Equal("Ended", P(row, "State"));
            Assert.Equal(1, Count("POST", "ring-out"));
        }

        [Fact]
        public void Rows_without_a_number_column_are_told_their_columns_and_a_semicolon_file_the_delimiter()
        {
            var r = _ps.Run("[pscustomobject]@{ Name = 'Alice'; Mobile = '+14155550123' } | Invoke-RingOutBatch -JournalPath $args[0]", Journal);
            Assert.Equal("RingOut.NoToColumn,RingOut.PowerShell.InvokeRingOutBatchCommand", r.Error?.FullyQualifiedErrorId);
            Assert.Contains("Name, Mobile", r.Error.ErrorDetails.Message);
            Assert.Contains("PhoneNumber", r.Error.ErrorDetails.Message);

            // Excel's CSV in much of Europe, read with Import-Csv's comma: one column named 'Name;Phone'.
            r = _ps.Run("[pscustomobject]@{ 'Name;Phone' = 'Alice;+14155550123' } | Invoke-RingOutBatch -JournalPath $args[0]", Journal);
            Assert.Equal("RingOut.NoToColumn,RingOut.PowerShell.InvokeRingOutBatchCommand", r.Error?.FullyQualifiedErrorId);
            Assert.Contains("Name;Phone", r.Error.ErrorDetails.Message);
            Assert.Contains("-Delimiter ';'", r.Error.ErrorDetails.RecommendedAction);
            Assert.Equal(0, Count("POST", "ring-out"));
        }

        [Fact]
        public void A_number_too_long_for_its_country_is_not_dialled()
        {
            var r = _ps.Run("[pscustomobject]@{ To = '+1 415 555 01234567' } | Invoke-RingOutBatch -JournalPath $args[0]", Journal);
            var row = Assert.Single(r.Output);
            Assert.Equal("Error", P(row, "State"));
            Assert.Contains("RingOut.InvalidPhoneNumber", (string)P(row, "Error"));
            Assert.Equal(0, Count("POST", "ring-out"));
        }

        [Fact]
        public void Duration_is_a_TimeSpan_as_the_calls_is()
        {
            var r = _ps.Run("[pscustomobject]@{ To = '+14155550123' } | Invoke-RingOutBatch -JournalPath $args[0] -OutFile $args[1]", Journal, Path.Combine(_dir, "out.csv"));
            Assert.Empty(r.Errors);
            var duration = Assert.IsType<TimeSpan>(P(Assert.Single(r.Output), "Duration"));
            Assert.True(duration > TimeSpan.Zero);
            // The CSV holds it as PowerShell casts it back: [timespan]'00:00:20'.
            var lines = File.ReadAllLines(Path.Combine(_dir, "out.csv"));
            var column = Array.IndexOf(lines[0].Split(','), "\"Duration\"");
            Assert.Equal(duration, TimeSpan.Parse(lines[1].Split(',')[column].Trim('"'), System.Globalization.CultureInfo.InvariantCulture));
        }

        [Fact]
        public void Wait_RingOutCall_refuses_a_To_that_is_no_number_before_any_request()
        {
            var before = Count("GET", "ring-out") + Count("GET", "call-log");
            var r = _ps.Run("Wait-RingOutCall -Id 123 -To hello -PlacedAt 2026-01-05T09:00:00Z -Timeout 5");
            Assert.Empty(r.Output);
            var error = Assert.Single(r.Errors);
            Assert.Equal("RingOut.InvalidPhoneNumber,RingOut.PowerShell.WaitRingOutCallCommand", error.FullyQualifiedErrorId);
            Assert.Equal("hello", error.TargetObject);
            Assert.Equal(before, Count("GET", "ring-out") + Count("GET", "call-log"));
        }

        [Fact]
        public void A_row_with_no_Id_piped_to_Wait_RingOutCall_is_told_its_columns_not_given_a_hint_about_tilde()
        {
            // The calls CSV (Name, To) piped where an outcomes CSV (with Id) was meant.
            var r = _ps.Run("[pscustomobject]@{ Name = 'Alice'; To = '+14155550123' } | Wait-RingOutCall");
            var error = Assert.Single(r.Errors);
            Assert.Equal("RingOut.InvalidCallId,RingOut.PowerShell.WaitRingOutCallCommand", error.FullyQualifiedErrorId);
            Assert.Contains("no Id property", error.ErrorDetails.Message);
            Assert.Contains("Name, To", error.ErrorDetails.Message);
            Assert.DoesNotContain("~", error.ErrorDetails.RecommendedAction);
            Assert.Equal("Alice", P((PSObject)error.TargetObject, "Name"));

            // A bad id given by hand: the advice for a call's id has no "~" either (that is for accounts and extensions).
            error = Assert.Single(_ps.Run("Get-RingOutCall -Id 'abc'").Errors);
            Assert.Equal("RingOut.InvalidCallId,RingOut.PowerShell.GetRingOutCallCommand", error.FullyQualifiedErrorId);
            Assert.DoesNotContain("~", error.ErrorDetails.RecommendedAction);
        }

        [Fact]
        public void Get_RingCentralForwardingNumber_marks_the_number_a_call_rings_without_From()
        {
            var numbers = _ps.Ok("Get-RingCentralForwardingNumber");
            var marked = Assert.Single(numbers, n => Equals(P(n, "IsDefault"), true));
            var call = Assert.Single(_ps.Ok("New-RingOutCall -To '+14155550123'"));
            Assert.Equal(P(call, "From"), P(marked, "PhoneNumber"));
        }

        [SkippableFact]
        public void The_forwarding_number_table_shows_which_is_the_default()
        {
            RealPowerShell.SkipUnlessFound("The forwarding number table test");
            var (code, output) = RealPowerShell.Run(RealPowerShell.Path, new[] { "-NoProfile", "-NonInteractive", "-Command",
                $"Import-Module '{PowerShellHost.ModuleManifest}'; Connect-RingCentral -Environment Emulator -VirtualTime; Get-RingCentralForwardingNumber | Out-String -Width 80" }, TimeSpan.FromMinutes(2));
            Assert.True(code == 0, output);
            var lines = output.Split('\n');
            Assert.Contains(lines, l => l.Contains(" Default ") && l.Contains("PhoneNumber"));
            Assert.Single(lines, l => l.Contains("+16505550001") && l.Contains(" Yes "));
        }
    }
}
