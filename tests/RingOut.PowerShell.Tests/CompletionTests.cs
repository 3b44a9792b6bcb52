using System;
using System.Linq;
using Xunit;

namespace RingOut.PowerShell.Tests
{
    [Collection("PowerShell")]
    public sealed class CompletionTests : IDisposable
    {
        private readonly PowerShellHost _ps = new PowerShellHost();

        public CompletionTests() => _ps.Ok("$global:s = Connect-RingCentral -Environment Emulator -VirtualTime -PassThru");

        public void Dispose() => _ps.Dispose();

        private string[] Complete(string line) =>
            _ps.Ok("(TabExpansion2 -inputScript $args[0] -cursorColumn $args[0].Length).CompletionMatches | ForEach-Object { $_.CompletionText }", line)
                .Select(o => o.ToString()).ToArray();

        [Fact]
        public void From_completes_the_sessions_forwarding_numbers_read_once()
        {
            Assert.Equal(new[] { "'+16505550001'", "'+16505550002'", "'+16505550003'" }, Complete("New-RingOutCall -To 1 -From "));
            Assert.Equal(new[] { "'+16505550002'" }, Complete("New-RingOutCall -To 1 -From work"));
            Complete("New-RingOutCall -To 1 -From +1650555000");
            Assert.Equal(1L, _ps.Ok("$s.Emulator.Statistics.Count('GET', 'forwarding-number')")[0].BaseObject);
        }

        [Fact]
        public void ForwardingNumberId_completes_the_ids()
        {
            Assert.Contains("417276280005", Complete("New-RingOutCall -To 1 -ForwardingNumberId "));
        }

        [Fact]
        public void Id_completes_the_calls_placed_in_this_session_newest_first()
        {
            var ids = _ps.Ok("(New-RingOutCall -To '+14155550100', '+14155550101').Id").Select(o => o.ToString()).ToArray();
            Assert.Equal(ids.Reverse(), Complete("Get-RingOutCall -Id "));
            Assert.Equal(ids.Reverse(), Complete("Stop-RingOutCall -Id "));
        }

        [Fact]
        public void Without_a_session_completion_offers_nothing_and_does_not_fail()
        {
            _ps.Ok("Disconnect-RingCentral");
            Assert.Empty(Complete("New-RingOutCall -To 1 -From "));
        }

        [Fact]
        public void Get_RingCentralForwardingNumber_lists_every_number_and_filters_by_wildcard()
        {
            var all = _ps.Ok("Get-RingCentralForwardingNumber");
            Assert.Equal(3, all.Count);
            Assert.Equal("RingOut.Client.ForwardingNumber", all[0].BaseObject.GetType().FullName);
            var work = Assert.Single(_ps.Ok("Get-RingCentralForwardingNumber -Name 'work*'"));
            Assert.Equal("417276280005", work.Properties["Id"].Value);
            Assert.Equal("+16505550002", work.Properties["PhoneNumber"].Value);
        }
    }
}
