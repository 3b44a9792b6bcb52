using System.Linq;
using Xunit;

namespace RingOut.PowerShell.Tests
{
    /// <summary>Issue 12: the -Verbose and -Debug observer belongs to the request, not to the session.</summary>
    [Collection("PowerShell")]
    public sealed class ObserverTests : System.IDisposable
    {
        private readonly PowerShellHost _ps = new PowerShellHost();
        public void Dispose() => _ps.Dispose();

        [Fact]
        public void Each_runspace_sharing_one_session_sees_only_its_own_request_lines()
        {
            _ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime; (Get-RingCentralSession).Emulator.Options.RateLimits.Heavy = 1000");
            var r = _ps.Run(@"
                $m = $args[0]
                1..3 | ForEach-Object -ThrottleLimit 3 -Parallel {
                    Import-Module $using:m
                    $worker = $_
                    $lines = 1..8 | ForEach-Object { New-RingOutCall -To ('+1415555{0:d4}' -f (6000 + 100 * $worker + $_)) -Verbose 4>&1 } |
                        Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'POST */ring-out ->*' }
                    @($lines).Count
                }", PowerShellHost.ModuleManifest);
            Assert.Empty(r.Errors);
            Assert.Equal(new[] { 8, 8, 8 }, r.Output.Select(o => (int)o.BaseObject).ToArray());
        }

        [Fact]
        public void Waiting_on_calls_of_two_sessions_shows_the_request_lines_of_both()
        {
            var r = _ps.Run(@"
                $a = Connect-RingCentral -Environment Emulator -VirtualTime -PassThru
                $b = Connect-RingCentral -Environment Emulator -VirtualTime -PassThru
                $calls = (New-RingOutCall -To '+14155550100' -Session $a), (New-RingOutCall -To '+14155550101' -Session $b)
                $calls | Wait-RingOutCall -Verbose");
            Assert.Empty(r.Errors);
            Assert.Equal(2, r.Output.Count);
            Assert.Contains(r.Verbose, v => v.Message.StartsWith("GET /restapi/v1.0/account/~/extension/~/ring-out/"));
        }

        [Fact]
        public void Debug_in_one_runspace_shows_the_bodies_of_its_own_requests_only()
        {
            _ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime");
            var r = _ps.Run(@"
                $m = $args[0]
                1..2 | ForEach-Object -ThrottleLimit 2 -Parallel {
                    Import-Module $using:m
                    if ($_ -eq 1) {
                        $records = 1..20 | ForEach-Object { Get-RingCentralForwardingNumber -Debug 5>&1 }
                        'debug records: ' + @($records | Where-Object { $_ -is [System.Management.Automation.DebugRecord] -and $_.Message -like 'GET */forwarding-number*' }).Count
                    }
                    else { 1..20 | ForEach-Object { $null = Get-RingCentralForwardingNumber -Verbose 4>&1 } }
                }", PowerShellHost.ModuleManifest);
            Assert.Empty(r.Errors);
            // One debug record for each of its own 20 requests (the exchange's line, and its bodies below it), none for
            // the other runspace's 20.
            Assert.Equal("debug records: 20", Assert.Single(r.Output).ToString());
        }
    }
}
