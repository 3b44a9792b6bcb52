using System;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace RingOut.PowerShell.Tests
{
    [Collection("PowerShell")]
    public sealed class SessionCmdletTests
    {
        private const string Secret = "emulator-demo-client-secret";
        private const string Jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI4NTA5NTcwMjAiLCJpc3MiOiJyaW5nb3V0LWVtdWxhdG9yIn0.ZGVtby11c2VyLWp3dA";

        [Fact]
        public void A_refused_access_token_says_RingCentrals_refusal_and_keeps_its_errorCode()
        {
            // On loopback: -Environment Emulator signs in with the demo app whatever token is given.
            using var server = new EmulatorServer();
            using var ps = new PowerShellHost();
            var r = ps.Run("Connect-RingCentral -Server $args[0] -AccessToken ([Net.NetworkCredential]::new('', 'bogus').SecurePassword)", server.Variables["RC_SERVER_URL"]);
            var error = r.Error;
            Assert.NotNull(error);
            Assert.StartsWith("RingOut.AuthenticationFailed", error.FullyQualifiedErrorId);
            Assert.StartsWith("RingCentral refused the access token (OAU-149: Access token cannot be parsed)", error.ErrorDetails.Message);
            Assert.DoesNotContain("Connect-RingCentral", error.ErrorDetails.Message + error.ErrorDetails.RecommendedAction);
            Assert.Equal("OAU-149", error.Exception.GetType().GetProperty("ErrorCode").GetValue(error.Exception));
            Assert.Contains("OAU-149", error.Exception.Message);
        }

        [Fact]
        public void Connecting_to_the_emulator_needs_no_credential_and_shows_who_and_where_but_no_secret()
        {
            using var ps = new PowerShellHost();
            var session = Assert.Single(ps.Ok("Connect-RingCentral -Environment Emulator -PassThru"));
            Assert.Equal("RingOut.Client.RingCentralSession", session.BaseObject.GetType().FullName);
            Assert.Equal("Emulator", session.Properties["EnvironmentName"].Value);
            Assert.Equal("37439510", session.Properties["AccountId"].Value);
            Assert.Equal("850957020", session.Properties["ExtensionId"].Value);
            Assert.Equal("Demo User", session.Properties["UserName"].Value);
            Assert.NotNull(session.Properties["AccessTokenExpiresOn"].Value);

            var shown = ps.Run("Get-RingCentralSession -Verbose; Get-RingCentralSession | ForEach-Object { $_.PSObject.Properties | ForEach-Object { \"$($_.Name)=$($_.Value)\" } }");
            Assert.Equal(session.BaseObject, shown.Output[0].BaseObject);
            var text = shown.AllText();
            Assert.DoesNotContain(Secret, text);
            Assert.DoesNotContain(Jwt, text);
            Assert.DoesNotContain("RCEMU-", text);
        }

        [Fact]
        public void The_retry_policy_is_set_with_Invoke_RestMethods_parameter_names_and_shown_on_the_session()
        {
            using var ps = new PowerShellHost();
            var r = ps.Ok(@"
                Connect-RingCentral -Environment Emulator -VirtualTime -MaximumRetryCount 0 -RetryIntervalSec 7 -TimeoutSec 45
                $s = Get-RingCentralSession
                $s.Retry.MaxRetries; $s.Retry.InitialBackoff.TotalSeconds; $s.Retry.AttemptTimeout.TotalSeconds");
            Assert.Equal(new object[] { 0, 7.0, 45.0 }, r.Select(o => o.BaseObject).ToArray());

            // The defaults retry a 503 on a read; with -MaximumRetryCount 0 it is one request and an error.
            var once = ps.Run(@"
                $s = Get-RingCentralSession; $s.Emulator.Statistics.Reset()
                $r = $s.Emulator.Faults.Add('ServerError', 'GET', 'forwarding-number', 1); $r.RetryAfterSeconds = $null
                Get-RingCentralForwardingNumber
                $s.Emulator.Statistics.Count('GET', 'forwarding-number')");
            Assert.Equal("RingOut.ApiError,RingOut.PowerShell.GetRingCentralForwardingNumberCommand", Assert.Single(once.Errors).FullyQualifiedErrorId);
            Assert.Equal(1L, once.Output.Last().BaseObject);
            var retried = ps.Run(@"
                Connect-RingCentral -Environment Emulator -VirtualTime
                $s = Get-RingCentralSession
                $r = $s.Emulator.Faults.Add('ServerError', 'GET', 'forwarding-number', 1); $r.RetryAfterSeconds = $null
                @(Get-RingCentralForwardingNumber).Count -gt 0
                $s.Emulator.Statistics.Count('GET', 'forwarding-number')");
            Assert.Empty(retried.Errors);
            Assert.Equal(new object[] { true, 2L }, retried.Output.Select(o => o.BaseObject).ToArray());
            Assert.Contains(ps.Run("Connect-RingCentral -Environment Emulator -MaximumRetryCount 101").Errors, e => e.FullyQualifiedErrorId.StartsWith("ParameterArgumentValidationError"));
        }

        [Fact]
        public void Disconnect_revokes_and_forgets_then_the_call_cmdlets_say_to_connect()
        {
            using var ps = new PowerShellHost();
            ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime");
            var revokes = ps.Ok("$s = Get-RingCentralSession; Disconnect-RingCentral; $s.Emulator.Statistics.Count('POST', 'revoke')");
            Assert.Equal(1L, revokes[0].BaseObject);
            Assert.Empty(ps.Ok("Get-RingCentralSession"));

            var r = ps.Run("New-RingOutCall -To '+14155550123'");
            var error = r.Error;
            Assert.NotNull(error);
            Assert.Equal("RingOut.NotConnected,RingOut.PowerShell.NewRingOutCallCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
            Assert.Contains("Run Connect-RingCentral", error.Exception.Message);

            var again = ps.Run("Disconnect-RingCentral");
            Assert.Contains("RingOut.NotConnected", again.ErrorIds);
        }

        [Theory]
        [InlineData("Get-RingOutCall -Id 1", "GetRingOutCallCommand")]
        [InlineData("Stop-RingOutCall -Id 1 -Confirm:$false", "StopRingOutCallCommand")]
        [InlineData("Wait-RingOutCall -Id 1", "WaitRingOutCallCommand")]
        public void Every_call_cmdlet_says_to_connect_when_there_is_no_session(string script, string cmdlet)
        {
            using var ps = new PowerShellHost();
            ps.Run("Get-RingCentralSession | Disconnect-RingCentral");
            var r = ps.Run(script);
            Assert.Equal($"RingOut.NotConnected,RingOut.PowerShell.{cmdlet}", r.Error.FullyQualifiedErrorId);
        }

        [Fact]
        public void The_standalone_emulator_with_its_limits_lifted_is_used_as_it_is()
        {
            // --no-rate-limits lifts the limits to 1,000,000 a minute: a large number, but one the client accepts.
            using var server = new EmulatorServer("--no-rate-limits");
            using var ps = new PowerShellHost();
            var v = server.Variables;
            var r = ps.Run(
                "Connect-RingCentral -Server $args[0] -ClientId $args[1] -ClientSecret ([System.Net.NetworkCredential]::new('', $args[2]).SecurePassword) -Jwt ([System.Net.NetworkCredential]::new('', $args[3]).SecurePassword); " +
                "New-RingOutCall -To '+14155550123' | Wait-RingOutCall -PollInterval 0.5",
                v["RC_SERVER_URL"], v["RC_APP_CLIENT_ID"], v["RC_APP_CLIENT_SECRET"], v["RC_USER_JWT"]);
            Assert.Empty(r.Errors);
            Assert.Contains(Assert.Single(r.Output).Properties["State"].Value.ToString(), new[] { "Connected", "Ended" });
        }

        [Fact]
        public void A_call_of_a_session_that_Connect_replaced_is_followed_through_the_current_session()
        {
            // Connect-RingCentral closes the session it replaces: the calls placed through it are followed through the
            // new one (they failed with RingOut.NotConnected, and the advice to connect and pipe them again failed too).
            using var server = new EmulatorServer("--no-rate-limits");
            using var ps = new PowerShellHost();
            var v = server.Variables;
            var connect = "Connect-RingCentral -Server $args[0] -ClientId $args[1] -ClientSecret ([System.Net.NetworkCredential]::new('', $args[2]).SecurePassword) -Jwt ([System.Net.NetworkCredential]::new('', $args[3]).SecurePassword)";
            var r = ps.Run(connect + "; $c = New-RingOutCall -To '+14155550124'; " + connect + "; $c | Wait-RingOutCall -Until Ended -PollInterval 0.5",
                v["RC_SERVER_URL"], v["RC_APP_CLIENT_ID"], v["RC_APP_CLIENT_SECRET"], v["RC_USER_JWT"]);
            Assert.Empty(r.Errors);
            Assert.Equal("Ended", Assert.Single(r.Output).Properties["State"].Value.ToString());
        }

        [Fact]
        public void The_standalone_emulator_is_reached_with_Server_and_with_the_quick_start_variables()
        {
            using var server = new EmulatorServer();
            using var ps = new PowerShellHost();
            var v = server.Variables;
            var explicitly = ps.Ok(
                "Connect-RingCentral -Server $args[0] -ClientId $args[1] -ClientSecret ([System.Net.NetworkCredential]::new('', $args[2]).SecurePassword) -Jwt ([System.Net.NetworkCredential]::new('', $args[3]).SecurePassword) -PassThru",
                v["RC_SERVER_URL"], v["RC_APP_CLIENT_ID"], v["RC_APP_CLIENT_SECRET"], v["RC_USER_JWT"]);
            Assert.Equal("Custom", explicitly[0].Properties["EnvironmentName"].Value);
            Assert.Equal(new Uri(v["RC_SERVER_URL"]), explicitly[0].Properties["Server"].Value);

            foreach (var (name, value) in v) Environment.SetEnvironmentVariable(name, value);
            try
            {
                var fromEnvironment = ps.Ok("Connect-RingCentral -PassThru");
                Assert.Equal(new Uri(v["RC_SERVER_URL"]), fromEnvironment[0].Properties["Server"].Value);
                var call = ps.Ok("New-RingOutCall -To '+14155550123' | Wait-RingOutCall -PollInterval 0.5");
                // That server runs on the real clock: the call may be seen connected or already over; either way it connected.
                Assert.Contains(call[0].Properties["State"].Value.ToString(), new[] { "Connected", "Ended" });
            }
            finally
            {
                foreach (var name in v.Keys) Environment.SetEnvironmentVariable(name, null);
            }
        }

        [Fact]
        public void Missing_credentials_are_named_before_any_request()
        {
            using var ps = new PowerShellHost();
            var r = ps.Run("Connect-RingCentral -Server 'https://platform.ringcentral.invalid' -ClientId abc");
            Assert.Equal("RingOut.MissingCredential,RingOut.PowerShell.ConnectRingCentralCommand", r.Error.FullyQualifiedErrorId);
            Assert.Contains("-ClientSecret (or RC_APP_CLIENT_SECRET)", r.Error.Exception.Message);
            Assert.Contains("-Jwt (or RC_USER_JWT)", r.Error.Exception.Message);
        }

        [Fact]
        public void Conflicting_or_unusable_server_choices_are_named()
        {
            using var ps = new PowerShellHost();
            var both = ps.Run("Connect-RingCentral -Environment Emulator -Server 'https://platform.ringcentral.com'");
            Assert.Equal("RingOut.InvalidServer,RingOut.PowerShell.ConnectRingCentralCommand", both.Error?.FullyQualifiedErrorId);
            Environment.SetEnvironmentVariable("RC_SERVER_URL", "platform.ringcentral.com");
            try
            {
                var relative = ps.Run("Connect-RingCentral -ClientId x");
                Assert.Equal("RingOut.InvalidServer,RingOut.PowerShell.ConnectRingCentralCommand", relative.Error?.FullyQualifiedErrorId);
                Assert.Contains("RC_SERVER_URL", relative.Error.Exception.Message);
            }
            finally { Environment.SetEnvironmentVariable("RC_SERVER_URL", null); }
            var ignored = ps.Run("Connect-RingCentral -AccessToken ([System.Net.NetworkCredential]::new('', 'x').SecurePassword) -Server 'https://platform.ringout.invalid' -VirtualTime");
            Assert.Contains(ignored.Warnings, w => w.Message.Contains("-VirtualTime applies only to -Environment Emulator"));
        }

        [Fact]
        public void Plain_http_is_refused_for_servers_that_are_not_loopback()
        {
            using var ps = new PowerShellHost();
            var r = ps.Run("Connect-RingCentral -Server 'http://platform.example.com' -AccessToken ([System.Net.NetworkCredential]::new('', 'x').SecurePassword)");
            var e = r.Error;
            Assert.Equal("RingOut.InsecureServer,RingOut.PowerShell.ConnectRingCentralCommand", e?.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.SecurityError, e.CategoryInfo.Category);
        }

        [Fact]
        public void A_refused_sign_in_is_an_authentication_error_that_does_not_repeat_the_secret()
        {
            using var ps = new PowerShellHost();
            var r = ps.Run("Connect-RingCentral -Environment Emulator -Jwt ([System.Net.NetworkCredential]::new('', 'eyJ.wrong.jwt-value').SecurePassword) -Verbose -Debug");
            var e = r.Error;
            Assert.Equal("RingOut.AuthenticationFailed,RingOut.PowerShell.ConnectRingCentralCommand", e?.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.AuthenticationError, e.CategoryInfo.Category);
            Assert.Contains("OAU-140", e.Exception.Message);
            Assert.DoesNotContain("eyJ.wrong.jwt-value", r.AllText());
            Assert.DoesNotContain(Secret, r.AllText());
        }

        [Fact]
        public void Connecting_twenty_times_in_a_loop_leaves_one_live_session_at_the_server()
        {
            // Issue 25: each Connect replaced the session without ending it; RingCentral keeps about five per user and
            // app, so a loop revoked other processes' sessions and leaked this one's pipelines. (The limits are lifted:
            // forty sign-ins and revocations would take eight minutes of Auth's five a minute.)
            using var server = new EmulatorServer("--no-rate-limits");
            using var ps = new PowerShellHost();
            var v = server.Variables;
            ps.Ok("for ($i = 0; $i -lt 20; $i++) { Connect-RingCentral -Server $args[0] -ClientId $args[1] -ClientSecret ([System.Net.NetworkCredential]::new('', $args[2]).SecurePassword) -Jwt ([System.Net.NetworkCredential]::new('', $args[3]).SecurePassword) }",
                v["RC_SERVER_URL"], v["RC_APP_CLIENT_ID"], v["RC_APP_CLIENT_SECRET"], v["RC_USER_JWT"]);
            using var http = new System.Net.Http.HttpClient();
            var stats = System.Text.Json.JsonDocument.Parse(http.GetStringAsync(new Uri(new Uri(v["RC_SERVER_URL"]), "/_emulator/stats")).Result).RootElement;
            var opened = stats.GetProperty("sessionsOpened").GetInt64();
            var revoked = stats.GetProperty("sessionsRevoked").GetInt64();
            Assert.Equal(20L, opened);
            Assert.Equal(1L, opened - revoked);
            Assert.Single(ps.Ok("Get-RingCentralSession"));
            ps.Ok("Disconnect-RingCentral");
        }

        [Fact]
        public void A_replaced_session_is_closed_with_its_event_socket_unless_it_was_passed_through()
        {
            using var ps = new PowerShellHost();
            var r = ps.Ok(@"
                Connect-RingCentral -Environment Emulator -VirtualTime
                $old = Get-RingCentralSession
                $null = New-RingOutCall -To '+14155550123' | Wait-RingOutCall -Until Ended
                $old.Emulator.OpenSockets
                $kept = Connect-RingCentral -Environment Emulator -VirtualTime -PassThru
                $old.IsConnected; $old.Emulator.OpenSockets; $old.Emulator.Statistics.Count('POST', 'revoke')
                Connect-RingCentral -Environment Emulator -VirtualTime
                $kept.IsConnected; @(Get-RingCentralForwardingNumber -Session $kept).Count -gt 0
                Disconnect-RingCentral -Session $kept; $kept.IsConnected");
            Assert.Equal(new object[] { 1, false, 0, 1L, true, true, false }, r.Select(o => o.BaseObject).ToArray());
        }

        [Fact]
        public void Format_List_star_shows_no_machinery_and_Retry_and_RateLimits_are_still_read_by_name()
        {
            using var ps = new PowerShellHost();
            ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime");
            // What Format-List * lists: the object's properties, hidden ones left out.
            var shown = ps.Ok("(Get-RingCentralSession).PSObject.Properties | ForEach-Object Name").Select(o => o.ToString()).ToList();
            foreach (var name in new[] { "Secrets", "Retry", "RateLimits", "EventsUnavailable", "EventsRetryAt", "Emulator" })
                Assert.DoesNotContain(name, shown);
            Assert.Contains("IsConnected", shown);
            Assert.Equal(true, ps.Ok("$null -ne (Get-RingCentralSession).Retry -and $null -ne (Get-RingCentralSession).RateLimits")[0].BaseObject);
        }
    }
}
