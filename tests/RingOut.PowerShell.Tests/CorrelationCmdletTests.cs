using System;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace RingOut.PowerShell.Tests
{
    /// <summary>Every call gets its own outcome, and the wait shows each leg change (issue 21).</summary>
    [Collection("PowerShell")]
    public sealed class CorrelationCmdletTests : IDisposable
    {
        private readonly PowerShellHost _ps = new PowerShellHost();

        public CorrelationCmdletTests() => _ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime");

        public void Dispose() => _ps.Dispose();

        private static string P(PSObject o, string name) => o.Properties[name].Value?.ToString();

        [Fact]
        public void A_fresh_snapshot_of_an_ended_call_keeps_its_Result_and_Duration()
        {
            // Found by the new-user review: Get-RingOutCall on a call Wait-RingOutCall had settled ("Call connected",
            // 20 s) wrote it with no Result and Duration, and the table's Result column fell back to "Finished/Finished".
            var calls = _ps.Ok("New-RingOutCall -To '+14155550123', '+16505550101' | Wait-RingOutCall -Until Ended -Via Events | Get-RingOutCall")
                .OrderBy(c => P(c, "To"), StringComparer.Ordinal).ToList();
            Assert.Equal(new[] { "Ended", "Failed" }, calls.Select(c => P(c, "State")));
            Assert.Equal(new[] { "Call connected", "Busy" }, calls.Select(c => P(c, "Result")));
            Assert.Equal("00:00:20", P(calls[0], "Duration"));
            Assert.All(calls, c => Assert.DoesNotContain("RingOut status", P(c, "Outcome")));
        }

        [Theory]
        [InlineData("Events")]
        [InlineData("Auto")]
        [InlineData("Polling")]
        public void The_same_number_called_three_times_in_one_session_gets_three_outcomes(string via)
        {
            var calls = _ps.Ok($@"
                New-RingOutCall -To '+14155550123' | Wait-RingOutCall -Until Ended -Via {via}
                New-RingOutCall -To '+14155550123' -From '+16505550111' | Wait-RingOutCall -Until Ended -Via {via}
                New-RingOutCall -To '+14155550123' | Wait-RingOutCall -Until Ended -Via {via}");
            Assert.Equal(new[] { "Ended", "Failed", "Ended" }, calls.Select(c => P(c, "State")));
            Assert.Equal(3, calls.Select(c => P(c, "TelephonySessionId")).Where(t => t != null).Distinct().Count());
            Assert.Equal("Busy", P(calls[1], "CallerStatus"));
            Assert.Equal("CannotReach", P(calls[1], "CallStatus"));
            Assert.All(new[] { calls[0], calls[2] }, c =>
            {
                Assert.Equal("Finished", P(c, "CalleeStatus"));
                Assert.Equal("Call connected", P(c, "Result"));
                Assert.Equal("00:00:20", P(c, "Duration"));
            });
        }

        [Theory]
        [InlineData("Events")]
        [InlineData("Auto")]
        public void The_progress_shows_each_leg_change_on_the_event_path(string via)
        {
            var r = _ps.Run($"New-RingOutCall -To '+14155550123' | Wait-RingOutCall -Until Ended -Via {via}");
            Assert.Empty(r.Errors);
            var legs = r.Progress.Where(p => p.ParentActivityId == 1).Select(p => p.StatusDescription).Distinct().ToList();
            Assert.Contains("caller InProgress, callee InProgress", legs);
            Assert.Contains("caller Success, callee InProgress", legs);
            Assert.Contains("caller Success, callee Success", legs);
            Assert.Contains(r.Progress, p => p.ActivityId == 1 && p.StatusDescription.StartsWith("0 of 1 settled; waiting for 1 to be over"));
        }
    }
}
