using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using RingOut.Testing;
using Xunit;

namespace RingOut.PowerShell.Tests
{
    /// <summary>
    /// The attacks of issue 10, as a hostile server, a careless script and an unlucky network make them. Each test
    /// failed on the code before the fix. Server-side attacks run against <see cref="HostileHttpServer"/> on loopback.
    /// </summary>
    [Collection("PowerShell")]
    public sealed class AttackTests : IDisposable
    {
        private readonly PowerShellHost _ps = new PowerShellHost();

        public void Dispose() => _ps.Dispose();

        private static string P(PSObject o, string name) => o.Properties[name].Value?.ToString();

        private const string Credentials =
            "-ClientId app -ClientSecret ([System.Net.NetworkCredential]::new('', 'hostile-client-secret').SecurePassword) " +
            "-Jwt ([System.Net.NetworkCredential]::new('', 'eyJ.hostile-test.jwt').SecurePassword)";

        private void ConnectTo(HostileHttpServer server) => _ps.Ok($"Connect-RingCentral -Server $args[0] {Credentials}", server.Address);

        private long Emulator(string expression) => Convert.ToInt64(_ps.Ok($"(Get-RingCentralSession).Emulator.{expression}")[0].BaseObject);

        private const string InProgressCall = "{\"id\":4242,\"uri\":\"x\",\"status\":{\"callStatus\":\"InProgress\",\"callerStatus\":\"InProgress\",\"calleeStatus\":\"InProgress\"}}";

        // ------------------------------------------------------------------ 1. ids stay in their path segment

        [Theory]
        [MemberData(nameof(Scenarios.BadInputs), "RingOut.Invalid", MemberType = typeof(Scenarios))]
        public void Bad_ids_and_numbers_are_refused_before_any_request(string script, string errorId, string input, string parameter, string because)
        {
            _ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime; (Get-RingCentralSession).Emulator.Statistics.Reset()");
            var r = _ps.Run(script);
            var error = Assert.Single(r.Errors);
            Assert.Equal(errorId, error.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            Assert.Equal(input, error.TargetObject);
            Assert.Contains(because, error.Exception.Message);
            Assert.Contains(parameter == "Id" ? "call id" : parameter == "AccountId" ? "account id" : parameter == "ExtensionId" ? "extension id" : "-" + parameter, error.Exception.Message);
            Assert.Empty(r.Output);
            Assert.Equal(0, Emulator("Statistics.TotalRequests"));
        }

        [Fact]
        public void A_call_whose_id_is_not_what_RingCentral_issues_is_refused_when_piped()
        {
            using var server = HostileHttpServer.RingCentral(_ => HostileResponse.Json("{\"id\":\"..\",\"status\":{\"callStatus\":\"InProgress\"}}"));
            ConnectTo(server);
            var r = _ps.Run("New-RingOutCall -To '+14155550123' -From '+16505550001' | Stop-RingOutCall -Confirm:$false");
            Assert.Equal("RingOut.InvalidCallId", Assert.Single(r.ErrorIds));
            Assert.DoesNotContain(server.Received, q => q.Method == "DELETE");
        }

        /// <summary>Random ids, account and extension ids through every cmdlet: no request leaves its place.</summary>
        [Fact]
        public void No_request_from_any_cmdlet_ever_leaves_the_ring_out_path_whatever_the_ids()
        {
            _ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime; (Get-RingCentralSession).Emulator.Statistics.Reset()");
            var random = new Random(20261124);
            string[] pieces = { "..", ".", "%2e", "%2E%2E", "%2f", "%5c", "/", "\\", "?", "#", "&", ";", " ", "\t", "\u00a0", "~", "~~",
                "\u0661\u0662", "\uff11", "\u2024\u2024", "\u3002", "123", "0", "850957021", "37439510", "-1", "+1", "1e3", "0x1F", "\U0001F4DE", "a", "%00", "\r\n" };
            string Hostile() => string.Concat(Enumerable.Range(0, random.Next(1, 4)).Select(_ => pieces[random.Next(pieces.Length)]));
            var ids = Enumerable.Range(0, 120).Select(_ => Hostile()).ToArray();
            var accounts = Enumerable.Range(0, 120).Select(i => i % 3 == 0 ? "~" : Hostile()).ToArray();
            var extensions = Enumerable.Range(0, 120).Select(i => i % 3 == 1 ? "~" : Hostile()).ToArray();
            _ps.Run(@"
                param($ids, $accounts, $extensions)
                for ($i = 0; $i -lt $ids.Count; $i++) {
                    $a = $accounts[$i]; $e = $extensions[$i]; $id = $ids[$i]
                    New-RingOutCall -To '+14155550123' -From '+16505550001' -AccountId $a -ExtensionId $e -ErrorAction SilentlyContinue | Out-Null
                    Get-RingOutCall -Id $id -AccountId $a -ExtensionId $e -ErrorAction SilentlyContinue | Out-Null
                    Stop-RingOutCall -Id $id -AccountId $a -ExtensionId $e -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
                    Wait-RingOutCall -Id $id -AccountId $a -ExtensionId $e -Timeout 5 -ErrorAction SilentlyContinue | Out-Null
                    [pscustomobject]@{ Id = $id; AccountId = $a; ExtensionId = $e } | Get-RingOutCall -ErrorAction SilentlyContinue | Out-Null
                    [pscustomobject]@{ To = '+14155550123'; AccountId = $a; ExtensionId = $e } | New-RingOutCall -ErrorAction SilentlyContinue | Out-Null
                }", ids, accounts, extensions);
            var paths = _ps.Ok("(Get-RingCentralSession).Emulator.Statistics.Requests").Select(p => p.ToString()).ToList();
            Assert.NotEmpty(paths); // the valid ones did reach the emulator
            // A call given no -From looks up the extension's default forwarding number first: the same checked segments.
            var allowed = new Regex(@"^((GET|POST|DELETE) /restapi/v1\.0/account/([0-9]+|~)/extension/([0-9]+|~)/ring-out(/[0-9]+)?|GET /restapi/v1\.0/account/([0-9]+|~)/extension/([0-9]+|~)/forwarding-number)$");
            Assert.All(paths, p => Assert.Matches(allowed, p));
        }

        // ------------------------------------------------------------------ 2. no redirects

        [Fact]
        public void A_redirect_from_the_token_endpoint_is_an_error_naming_the_host_and_the_credential_goes_nowhere()
        {
            using var thief = new HostileHttpServer(_ => HostileResponse.Json("{}"), "localhost");
            using var server = new HostileHttpServer(r => new HostileResponse { Status = 307, Headers = { ["Location"] = thief.Address + "restapi/oauth/token" } });
            var r = _ps.Run($"Connect-RingCentral -Server $args[0] {Credentials}", server.Address);
            Assert.Equal("RingOut.Redirected", r.Error.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Contains("localhost", r.Error.Exception.Message);
            Assert.Empty(thief.Received);
            Assert.Single(server.Received);
        }

        [Fact]
        public void A_redirect_in_answer_to_placing_a_call_is_outcome_unknown_and_nothing_goes_to_the_other_host()
        {
            using var thief = new HostileHttpServer(_ => HostileResponse.Json(InProgressCall), "localhost");
            using var server = HostileHttpServer.RingCentral(r => new HostileResponse { Status = 307, Headers = { ["Location"] = thief.Address + "steal" } });
            ConnectTo(server);
            var r = _ps.Run("New-RingOutCall -To '+14155550123' -From '+16505550001'");
            Assert.Empty(r.Output);
            var error = Assert.Single(r.Errors);
            Assert.Equal("RingOut.OutcomeUnknown", error.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Contains("localhost", error.Exception.Message);
            Assert.Empty(thief.Received);
        }

        [Fact]
        public void A_302_after_placing_a_call_is_not_followed_as_a_GET_and_not_reported_as_a_placed_call()
        {
            using var server = HostileHttpServer.RingCentral(r => r.Method == "POST"
                ? new HostileResponse { Status = 302, Headers = { ["Location"] = "/restapi/v1.0/account/~/extension/~/ring-out/4242" } }
                : HostileResponse.Json(InProgressCall));
            ConnectTo(server);
            var r = _ps.Run("New-RingOutCall -To '+14155550123' -From '+16505550001'");
            Assert.Empty(r.Output);
            Assert.Equal("RingOut.OutcomeUnknown", Assert.Single(r.ErrorIds));
            Assert.DoesNotContain(server.Received, q => q.Method == "GET" && q.Path.EndsWith("/4242"));
        }

        // ------------------------------------------------------------------ 3. bounded server numbers

        [Theory]
        [InlineData("X-Rate-Limit-Window", "2147483647")]
        [InlineData("X-Rate-Limit-Limit", "-5")]
        public void An_absurd_rate_header_on_a_good_answer_is_ignored_and_the_call_followed(string header, string value)
        {
            // A rate header that cannot be believed was a permanent failure that gave the call up; it is ignored (ServerValues.Rate).
            var polls = 0;
            using var server = HostileHttpServer.RingCentral(r =>
                r.Method == "POST" ? HostileResponse.Json(InProgressCall)
                : System.Threading.Interlocked.Increment(ref polls) < 3 ? new HostileResponse { Status = 200, Body = InProgressCall, Headers = { [header] = value, ["X-Rate-Limit-Group"] = "light" } }
                : HostileResponse.Json(InProgressCall.Replace("\"InProgress\",\"callerStatus\":\"InProgress\",\"calleeStatus\":\"InProgress\"", "\"Success\",\"callerStatus\":\"Success\",\"calleeStatus\":\"Success\"")));
            ConnectTo(server);
            var r = _ps.Run("New-RingOutCall -To '+14155550123' -From '+16505550001' | Wait-RingOutCall -PollInterval 0.5");
            Assert.Empty(r.Errors);
            Assert.Equal("Connected", P(Assert.Single(r.Output), "State"));
        }

        [Theory]
        [InlineData("Retry-After", "999999999", 429)]
        public void An_absurd_number_from_the_server_is_a_clear_error_the_call_is_still_written_and_the_session_recovers(string header, string value, int status)
        {
            var broken = true;
            using var server = HostileHttpServer.RingCentral(r =>
                r.Method == "POST" ? HostileResponse.Json(InProgressCall)
                : broken ? new HostileResponse { Status = status, Body = status == 429 ? "{\"errorCode\":\"CMN-301\",\"message\":\"Request rate exceeded\"}" : InProgressCall, Headers = { [header] = value, ["X-Rate-Limit-Group"] = "light" } }
                : HostileResponse.Json(InProgressCall.Replace("\"InProgress\",\"callerStatus\":\"InProgress\",\"calleeStatus\":\"InProgress\"", "\"Success\",\"callerStatus\":\"Success\",\"calleeStatus\":\"Success\"")));
            ConnectTo(server);
            var r = _ps.Run("New-RingOutCall -To '+14155550123' -From '+16505550001' | Wait-RingOutCall -PollInterval 0.5");
            Assert.Null(r.Terminating);
            Assert.Equal("4242", P(Assert.Single(r.Output), "Id"));
            var error = Assert.Single(r.Errors);
            Assert.Equal("RingOut.ServerValueOutOfRange", error.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Contains(header, error.Exception.Message);
            Assert.Contains(value, error.Exception.Message);

            broken = false;
            var after = _ps.Run("Get-RingOutCall -Id 4242");
            Assert.Empty(after.Errors);
            Assert.Equal("Connected", P(Assert.Single(after.Output), "State"));
        }

        [Fact]
        public void On_virtual_time_an_absurd_Retry_After_does_not_jump_the_clock_by_years()
        {
            _ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime");
            _ps.Ok("$r = (Get-RingCentralSession).Emulator.Faults.Add('TooManyRequests', 'GET', 'ring-out', 1); $r.RetryAfterSeconds = 999999999");
            var r = _ps.Run("New-RingOutCall -To '+14155550123' -From '+16505550001' | Wait-RingOutCall -Via Polling");
            Assert.Single(r.Output);
            Assert.Equal("RingOut.ServerValueOutOfRange", Assert.Single(r.ErrorIds));
            var elapsed = (TimeSpan)_ps.Ok("(Get-RingCentralSession).Emulator.Clock.Elapsed")[0].BaseObject;
            Assert.True(elapsed < TimeSpan.FromDays(1), $"the clock moved {elapsed}");
        }

        // ------------------------------------------------------------------ 4. after a POST, only proof of "nothing done" is a refusal

        [Theory]
        [InlineData(504, "<html><body>504 Gateway Time-out</body></html>", "text/html")]
        [InlineData(502, "<html><body>502 Bad Gateway</body></html>", "text/html")]
        [InlineData(500, "", "text/plain")]
        [InlineData(503, "{\"errorCode\":\"CMN-201\",\"message\":\"Service Temporarily Unavailable\"}", "application/json")] // no Retry-After
        [InlineData(404, "<html>not found</html>", "text/html")] // a 4xx without RingCentral's error body
        public void A_gateway_error_after_placing_a_call_is_outcome_unknown_not_a_refusal(int status, string body, string contentType)
        {
            using var server = HostileHttpServer.RingCentral(r => new HostileResponse { Status = status, Body = body, ContentType = contentType });
            ConnectTo(server);
            var r = _ps.Run("New-RingOutCall -To '+14155550123' -From '+16505550001'");
            var error = Assert.Single(r.Errors);
            Assert.Equal("RingOut.OutcomeUnknown", error.FullyQualifiedErrorId.Split(',')[0]);
            Assert.DoesNotContain("refused", error.Exception.Message);
            Assert.Contains(status.ToString(), error.Exception.Message);
            Assert.Single(server.Received, q => q.Method == "POST" && q.Path.EndsWith("/ring-out"));
        }

        [Fact]
        public void A_call_placed_before_a_gateway_error_is_named_by_the_session_afterwards()
        {
            _ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime");
            _ps.Ok("$r = (Get-RingCentralSession).Emulator.Faults.Add('ActThenError', 'POST', 'ring-out', 1); $r.StatusCode = 504");
            var r = _ps.Run("New-RingOutCall -To '+14155550123' -From '+16505550001'");
            Assert.Equal("RingOut.OutcomeUnknown", Assert.Single(r.ErrorIds));
            Assert.Equal(1, Emulator("Statistics.CallsCreated"));
            var unknown = Assert.Single(_ps.Ok("(Get-RingCentralSession).UnknownOutcomes"));
            Assert.Equal("+14155550123", P(unknown, "To"));
        }

        // ------------------------------------------------------------------ 5. a refresh failure is not a call's failure

        private const string NearExpiry = "$c = (Get-RingCentralSession).Emulator.Clock; $c.AutoAdvance = $false; $c.Advance([TimeSpan]::FromSeconds(3570)); $c.AutoAdvance = $true";

        [Fact]
        public void A_lost_answer_to_the_refresh_before_a_call_is_recovered_through_the_refresh_grace()
        {
            _ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime");
            _ps.Ok(NearExpiry);
            _ps.Ok("$null = (Get-RingCentralSession).Emulator.Faults.Add('DropAfterActing', 'POST', 'token', 1)");
            var r = _ps.Run("'+14155550100', '+14155550101' | New-RingOutCall -From '+16505550001'");
            Assert.Empty(r.Errors);
            Assert.Equal(2, r.Output.Count);
            Assert.Equal(2, Emulator("Statistics.Count('POST', 'ring-out')"));
            Assert.Equal(2, Emulator("Statistics.CallsCreated"));
        }

        [Fact]
        public void A_refresh_that_cannot_get_through_is_a_connection_error_for_the_row_not_an_unknown_call_and_the_session_lives_on()
        {
            _ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime");
            _ps.Ok(NearExpiry);
            _ps.Ok("$null = (Get-RingCentralSession).Emulator.Faults.Add('DropAfterActing', 'POST', 'token', -1)");
            var r = _ps.Run("New-RingOutCall -To '+14155550100' -From '+16505550001'");
            var error = Assert.Single(r.Errors);
            Assert.Equal("RingOut.ConnectionFailed", error.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Contains("refresh", error.Exception.Message);
            Assert.Equal(0, Emulator("Statistics.Count('POST', 'ring-out')"));

            _ps.Ok("(Get-RingCentralSession).Emulator.Faults.Clear()");
            var next = _ps.Run("New-RingOutCall -To '+14155550101' -From '+16505550001'");
            Assert.Empty(next.Errors);
            Assert.Single(next.Output);
        }

        // ------------------------------------------------------------------ 6 and 9. secrets in cut bodies and in the server's own words

        [Fact]
        public void A_cut_token_answer_under_Debug_shows_no_part_of_any_token()
        {
            _ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime");
            _ps.Ok(NearExpiry);
            _ps.Ok("$null = (Get-RingCentralSession).Emulator.Faults.Add('TruncatedBody', 'POST', 'token', 1)");
            var r = _ps.Run("New-RingOutCall -To '+14155550100' -From '+16505550001' -Debug -Verbose");
            Assert.NotEmpty(r.Debug);
            var text = r.AllText();
            var tokens = _ps.Ok("(Get-RingCentralSession).Emulator.IssuedTokens").Select(t => t.ToString()).ToList();
            Assert.NotEmpty(tokens);
            foreach (var token in tokens)
            {
                var secretPart = token.Substring("RCEMU-AT-".Length);
                for (var i = 0; i + 6 <= secretPart.Length; i++)
                    Assert.DoesNotContain(secretPart.Substring(i, 6), text);
            }
        }

        [Fact]
        public void A_server_that_echoes_the_token_in_its_error_does_not_show_it_to_the_user()
        {
            var echo = $"{{\"errorCode\":\"CMN-101\",\"message\":\"Bearer {HostileHttpServer.AccessToken} is not allowed\",\"errors\":[{{\"errorCode\":\"CMN-101\",\"message\":\"refresh {HostileHttpServer.RefreshToken}\",\"parameterName\":\"{HostileHttpServer.AccessToken}\"}}]}}";
            using var server = HostileHttpServer.RingCentral(r => new HostileResponse { Status = 400, Body = echo, Headers = { ["RCRequestId"] = HostileHttpServer.AccessToken } });
            ConnectTo(server);
            var r = _ps.Run("New-RingOutCall -To '+14155550123' -From '+16505550001' -Verbose -Debug; Get-RingOutCall -Id 1 -Verbose -Debug");
            Assert.Equal(2, r.Errors.Count);
            var text = r.AllText() + string.Join("\n", r.Errors.Select(e => ((dynamic)e.Exception).ApiMessage + ((dynamic)e.Exception).ParameterName + ((dynamic)e.Exception).RequestId));
            Assert.DoesNotContain(HostileHttpServer.AccessToken, text);
            Assert.DoesNotContain(HostileHttpServer.RefreshToken, text);
            Assert.DoesNotContain("eyJ.hostile-test.jwt", text);
            Assert.DoesNotContain("hostile-client-secret", text);
            Assert.Contains("is not allowed", text); // the rest of the server's words are kept
        }

        [Fact]
        public void A_server_that_echoes_secrets_encoded_shows_none_in_the_error_or_under_Debug()
        {
            var token = HostileHttpServer.AccessToken;
            var b64 = (Func<string, string>)(t => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(t)));
            var encoded = $"\\u0048{token.Substring(1)} {Uri.EscapeDataString(token).Replace("-", "%2D")} {b64(token)}";
            using var server = HostileHttpServer.RingCentral(r => new HostileResponse { Status = 404, Body = $"{{\"errorCode\":\"CMN-102\",\"message\":\"no call for {encoded}\"}}" });
            ConnectTo(server);
            var r = _ps.Run("Get-RingOutCall -Id 1 -Verbose -Debug");
            Assert.NotEmpty(r.Debug);
            Assert.Single(r.Errors);
            var text = r.AllText() + r.Errors[0].Exception;
            Assert.Contains("no call for *** *** ***", text);
            Assert.DoesNotContain(token.Substring(1), text);
            // A token endpoint that echoes the Authorization header it was sent: Basic base64(client id:client secret).
            using var echoing = new HostileHttpServer(q => HostileResponse.Json($"{{\"error\":\"invalid_client\",\"error_description\":\"Bad credentials: {q.Headers["Authorization"]}\"}}", 400));
            var signIn = _ps.Run($"Connect-RingCentral -Server $args[0] {Credentials} -Debug", echoing.Address);
            var said = signIn.AllText() + string.Join("\n", signIn.Errors.Select(e => e.Exception.ToString()));
            Assert.Contains("Bad credentials: Basic ***", said);
            Assert.DoesNotContain(b64("app:hostile-client-secret").Substring(4, 12), said);
        }

        // ------------------------------------------------------------------ 7. Ctrl+C during a POST

        [Fact]
        public void After_Ctrl_C_during_a_POST_the_session_names_the_number_that_may_have_been_called()
        {
            _ps.Ok("Connect-RingCentral -Environment Emulator"); // the real clock: the answer comes 30 s late
            _ps.Ok("$r = (Get-RingCentralSession).Emulator.Faults.Add('ActThenLatency', 'POST', 'ring-out', 1); $r.Latency = [TimeSpan]::FromSeconds(30)");
            dynamic statistics = _ps.Ok("(Get-RingCentralSession).Emulator.Statistics")[0].BaseObject; // read while the runspace is busy
            using var ps = _ps.Begin("New-RingOutCall -To '+14155550123' -From '+16505550001'");
            var running = ps.BeginInvoke();
            Assert.True(System.Threading.SpinWait.SpinUntil(() => (long)statistics.CallsCreated == 1, TimeSpan.FromSeconds(20)), "the call was not placed");
            ps.Stop();
            Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
            var unknown = Assert.Single(_ps.Ok("(Get-RingCentralSession).UnknownOutcomes"));
            Assert.Equal("+14155550123", P(unknown, "To"));
            Assert.Contains("stopped", P(unknown, "Reason"));
        }

        [Theory]
        [InlineData("New-RingOutCall -To '+14155550123' -From '+16505550001'")]
        [InlineData("'+14155550123' | New-RingOutCall -From '+16505550001' | Wait-RingOutCall")]
        public void After_Ctrl_C_during_a_POST_to_a_server_that_acts_and_answers_late_the_number_is_named(string pipeline)
        {
            // Issue 22, item 12. The test above still passed while this broke: it stops New-RingOutCall alone, against the
            // in-process emulator, whose late answer the stop cancels, so the client always saw the cancellation and
            // named the number. Here the server acts and its answer comes as the pipeline stops: New-RingOutCall gets
            // the call, and the verbose lines flushed in Await's finally threw PipelineStoppedException over it; or it
            // hands the call to Wait-RingOutCall, which is stopped with it unwritten.
            using var answer = new System.Threading.ManualResetEventSlim();
            using var server = HostileHttpServer.RingCentral(r =>
            {
                if (r.Method == "POST" && r.Path.Contains("ring-out")) answer.Wait(TimeSpan.FromSeconds(60)); // bounded: the server's lifetime
                return HostileResponse.Json(InProgressCall);
            });
            ConnectTo(server);
            using var ps = _ps.Begin(pipeline);
            var output = new PSDataCollection<PSObject>();
            var running = ps.BeginInvoke<PSObject, PSObject>(null, output);
            Assert.True(System.Threading.SpinWait.SpinUntil(() => server.Received.Any(q => q.Method == "POST" && q.Path.Contains("ring-out")), TimeSpan.FromSeconds(20)), "the call was not placed");
            var stopping = System.Threading.Tasks.Task.Run(() => ps.Stop());
            answer.Set(); // the server acted, and its answer comes as the pipeline stops
            stopping.Wait(TimeSpan.FromSeconds(30));
            Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
            var unknown = _ps.Ok("(Get-RingCentralSession).UnknownOutcomes");
            // Written (its answer came first, and the pipeline wrote it), or named by the session.
            Assert.True(output.Any(o => P(o, "Id") == "4242") || unknown.Any(u => P(u, "To") == "+14155550123"), "the number that may have been called is named nowhere; " +
                $"output {output.Count}, errors {string.Join("; ", ps.Streams.Error.Select(e => e.FullyQualifiedErrorId + " " + e.Exception.Message))}, unknown {unknown.Count}, requests {string.Join(", ", server.Received)}, reason {ps.InvocationStateInfo.Reason}");
            Assert.True(unknown.All(u => P(u, "CallId") == null || P(u, "CallId") == "4242"));
        }

        // ------------------------------------------------------------------ 8. what a terminating error carries

        [Fact]
        public void The_error_of_a_session_that_ends_during_a_wait_carries_the_settled_and_the_pending_calls()
        {
            _ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime");
            var r = _ps.Run(@"
                $s = Get-RingCentralSession
                $done = New-RingOutCall '+16505550101' | Wait-RingOutCall
                $pending = New-RingOutCall '+16505550106'
                $null = $s.Emulator.Faults.Add('RevokeSession', 'GET', 'ring-out', 1); " + PowerShellHost.RefuseSignIn + @"
                try { $r = @($done) + @($pending) | Wait-RingOutCall -Via Polling -ErrorAction Stop } catch { $e = $_ }
                $e.FullyQualifiedErrorId
                $e.TargetObject.Settled.Count
                $e.TargetObject.Pending.Count
                $e.TargetObject.Pending[0].Id -eq $pending.Id
                $e.Exception.Message.Contains($pending.Id)
                $null -eq $r");
            Assert.Empty(r.Errors);
            Assert.Equal(new[] { "RingOut.SessionExpired,RingOut.PowerShell.WaitRingOutCallCommand", "1", "1", "True", "True", "True" },
                r.Output.Select(o => o.ToString()).ToArray());
        }

        // ------------------------------------------------------------------ the guards that held

        [Fact]
        public void Every_error_is_a_RingOut_error_that_stops_a_script_under_ErrorAction_Stop()
        {
            _ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime");
            var r = _ps.Run(@"
                $f = (Get-RingCentralSession).Emulator.Faults
                $attempts = @(
                    { New-RingOutCall -To 'not a number' -ErrorAction Stop }
                    { Get-RingOutCall -Id '..' -ErrorAction Stop }
                    { Get-RingOutCall -Id 1 -AccountId '..' -ErrorAction Stop }
                    { Get-RingOutCall -Id 999 -ErrorAction Stop }
                    { New-RingOutCall -To '+16505550101' -From '+16505550001' | Wait-RingOutCall | Stop-RingOutCall -Confirm:$false -ErrorAction Stop }
                    { $null = $f.Add('ActThenError', 'POST', 'ring-out', 1); New-RingOutCall -To '+14155550123' -From '+16505550001' -ErrorAction Stop }
                    { ($f.Add('TooManyRequests', 'GET', 'ring-out', 1)).RetryAfterSeconds = 999999999; Get-RingOutCall -Id 1 -ErrorAction Stop }
                    { New-RingOutCall -To '+14155550123' -From '+16505550001' -CallerId '+14155550000' -ErrorAction Stop }
                    { Get-RingCentralSession | Disconnect-RingCentral; Get-RingOutCall -Id 1 -ErrorAction Stop }
                )
                foreach ($attempt in $attempts) {
                    $reached = $false
                    try { & $attempt; $reached = $true } catch { $_.FullyQualifiedErrorId.Split(',')[0] }
                    if ($reached) { 'not stopped: ' + $attempt }
                }");
            Assert.Empty(r.Errors);
            Assert.Equal(new[] { "RingOut.InvalidPhoneNumber", "RingOut.InvalidCallId", "RingOut.InvalidAccountId", "RingOut.CallNotFound",
                "RingOut.CannotCancel", "RingOut.OutcomeUnknown", "RingOut.ServerValueOutOfRange", "RingOut.ApiError", "RingOut.NotConnected" },
                r.Output.Select(o => o.ToString()).ToArray());
        }

        // ------------------------------------------------------------------ 10. nothing listens

        [Fact]
        public void Connecting_where_nothing_listens_is_a_connection_error()
        {
            var r = _ps.Run($"Connect-RingCentral -Server 'http://127.0.0.1:1' {Credentials}");
            Assert.Equal("RingOut.ConnectionFailed", r.Error.FullyQualifiedErrorId.Split(',')[0]);
        }

        // ------------------------------------------------------------------ 11. half an emoji

        [Fact]
        public void A_refused_number_with_an_emoji_quotes_the_whole_character()
        {
            _ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime");
            var r = _ps.Run("New-RingOutCall -To '\U0001F4DE 555'");
            var message = Assert.Single(r.Errors).Exception.Message;
            Assert.Contains("'\U0001F4DE'", message);
            for (var i = 0; i < message.Length; i++)
            {
                if (char.IsHighSurrogate(message[i])) { Assert.True(i + 1 < message.Length && char.IsLowSurrogate(message[i + 1]), "a lone high surrogate"); i++; }
                else Assert.False(char.IsLowSurrogate(message[i]), "a lone low surrogate");
            }
        }
    }
}
