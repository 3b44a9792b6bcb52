using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace RingOut.PowerShell.Tests
{
    [Collection("PowerShell")]
    public sealed class CallCmdletTests : IDisposable
    {
        private readonly PowerShellHost _ps = new PowerShellHost();

        public CallCmdletTests() => _ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime");

        public void Dispose() => _ps.Dispose();

        private long Count(string method, string route) =>
            (long)_ps.Ok($"(Get-RingCentralSession).Emulator.Statistics.Count('{method}', '{route}')")[0].BaseObject;

        private static string P(PSObject o, string name) => o.Properties[name].Value?.ToString();

        [Fact]
        public void New_then_Wait_follows_a_call_from_InProgress_to_connected()
        {
            var placed = _ps.Ok("New-RingOutCall -To '(415) 555-0123'");
            var call = Assert.Single(placed);
            Assert.Equal("RingOut.Client.RingOutCall", call.BaseObject.GetType().FullName);
            Assert.Equal("InProgress", P(call, "State"));
            Assert.Equal("InProgress", P(call, "CallStatus"));
            Assert.Equal("+14155550123", P(call, "To"));

            var r = _ps.Run("$args[0] | Wait-RingOutCall -Verbose -Via Polling", call);
            Assert.Empty(r.Errors);
            var done = Assert.Single(r.Output);
            Assert.Equal(P(call, "Id"), P(done, "Id"));
            Assert.Equal("Connected", P(done, "State"));
            Assert.Equal("Success", P(done, "CallerStatus"));
            Assert.Equal("Success", P(done, "CalleeStatus"));
            Assert.Contains(r.Verbose, v => v.Message.Contains("caller Success, callee InProgress"));
            Assert.Contains(r.Verbose, v => v.Message.StartsWith("GET /restapi/v1.0/account/~/extension/~/ring-out/"));
            Assert.Contains(r.Progress, p => p.StatusDescription.Contains("waiting for 1"));
            Assert.Contains(r.Progress, p => p.ParentActivityId == 1 && p.StatusDescription.Contains("caller"));
            Assert.Equal(ProgressRecordType.Completed, r.Progress.Last().RecordType);
        }

        [Fact]
        public void A_row_with_no_To_property_is_told_which_properties_it_has_and_nothing_is_sent()
        {
            // A Name,Mobile file (no To or alias), and a semicolon-separated file read with Import-Csv's comma.
            var r = _ps.Run(@"[pscustomobject]@{ Name = 'Alice'; Mobile = '+14155550123' },
                              [pscustomobject]@{ 'Name;To' = 'Bob;+14155550124' } | New-RingOutCall");
            Assert.Empty(r.Output);
            Assert.Equal(2, r.Errors.Count);
            Assert.All(r.Errors, e => Assert.Equal("RingOut.NoPhoneNumberProperty,RingOut.PowerShell.NewRingOutCallCommand", e.FullyQualifiedErrorId));
            Assert.All(r.Errors, e => Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category));
            Assert.Equal("Alice", P((PSObject)r.Errors[0].TargetObject, "Name"));
            Assert.Contains("no To property", r.Errors[0].ErrorDetails.Message);
            Assert.Contains("Name, Mobile", r.Errors[0].ErrorDetails.Message);
            Assert.DoesNotContain("dialling pause", r.Errors[0].ErrorDetails.Message);
            Assert.Contains("-Delimiter ';'", r.Errors[1].ErrorDetails.RecommendedAction);
            Assert.Equal(0, Count("POST", "ring-out"));

            // Phone is a name for To, as PhoneNumber and Number are.
            Assert.Single(_ps.Ok("[pscustomobject]@{ Name = 'Carol'; Phone = '+14155550125' } | New-RingOutCall"));
        }

        [Fact]
        public void Without_From_the_call_rings_the_default_forwarding_number_and_says_so_in_verbose()
        {
            var r = _ps.Run("New-RingOutCall -To '+14155550123' -Verbose; New-RingOutCall -To '+14155550124'");
            Assert.Empty(r.Errors);
            Assert.All(r.Output, c => Assert.Equal("+16505550001", P(c, "From")));
            Assert.Contains(r.Verbose, v => v.Message.StartsWith("No -From or -ForwardingNumberId: ringing the default forwarding number first, +16505550001 (My Mobile"));
            Assert.Equal(1, Count("GET", "forwarding-number"));
        }

        [Fact]
        public void Until_Ended_waits_for_both_legs_to_finish()
        {
            var done = Assert.Single(_ps.Ok("New-RingOutCall '+14155550123' | Wait-RingOutCall -Until Ended"));
            Assert.Equal("Ended", P(done, "State"));
            Assert.Equal("Finished", P(done, "CallerStatus"));
            Assert.Equal("Finished", P(done, "CalleeStatus"));
            Assert.Equal("True", P(done, "IsFinal"));
        }

        [Theory]
        [MemberData(nameof(Scenarios.Failures), MemberType = typeof(Scenarios))]
        public void Every_failure_scenario_is_reported_as_failed_with_the_legs_statuses(string from, string to, string call, string caller, string callee)
        {
            var place = from == null ? "New-RingOutCall -To $args[0]" : "New-RingOutCall -To $args[0] -From $args[1]";
            foreach (var via in new[] { "Polling", "Auto" })
            {
                var r = _ps.Run(place + " | Wait-RingOutCall -Via " + via, to, from);
                Assert.Empty(r.Errors);
                var done = Assert.Single(r.Output);
                Assert.Equal("Failed", P(done, "State"));
                Assert.Equal(caller, P(done, "CallerStatus"));
                Assert.Equal(callee, P(done, "CalleeStatus"));
                // Events carry no RingOut call status: on that path it is told by the legs, and a failure reads CannotReach.
                Assert.Equal(via == "Polling" || call != "NoAnsweringMachine" ? call : "CannotReach", P(done, "CallStatus"));
                // Events name it; after polling, the call log's record (read once for the result) does.
                Assert.NotNull(P(done, "TelephonySessionId"));
            }
        }

        [Fact]
        public void Stop_cancels_ringing_calls_hangs_up_a_connected_one_through_Call_Control_and_cannot_stop_one_that_is_over()
        {
            var ringing = _ps.Ok("New-RingOutCall -To '+16505550106'")[0];      // long ring: still ringing
            var connected = _ps.Ok("New-RingOutCall -To '+14155550123' | Wait-RingOutCall")[0];
            var other = _ps.Ok("New-RingOutCall -To '+16505550106'")[0];
            var over = _ps.Ok("New-RingOutCall -To '+16505550101' | Wait-RingOutCall")[0]; // busy: over

            var r = _ps.Run("$args | Stop-RingOutCall -PassThru -Confirm:$false -Verbose", connected, ringing, other, over);
            var error = Assert.Single(r.Errors);
            Assert.Equal("RingOut.CannotCancel,RingOut.PowerShell.StopRingOutCallCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
            Assert.Equal(P(over, "Id"), P(PSObject.AsPSObject(error.TargetObject), "Id"));
            Assert.Equal(3, r.Output.Count);
            var hungUp = r.Output.Single(c => P(c, "Id") == P(connected, "Id"));
            Assert.Equal("Ended", P(hungUp, "State"));
            Assert.Equal("Finished", P(hungUp, "CalleeStatus"));
            Assert.Contains(r.Verbose, v => v.Message.StartsWith($"RingOut call {P(connected, "Id")} was hung up (telephony session s-"));
            Assert.All(r.Output.Where(c => c != hungUp), c => Assert.Equal("Rejected", P(c, "CalleeStatus")));
            Assert.Equal(3, Count("DELETE", "ring-out")); // the connected one, known connected, is not sent a cancel first
            Assert.Equal(1, Count("DELETE", "telephony-session"));
            Assert.Equal(1L, _ps.Ok("(Get-RingCentralSession).Emulator.Statistics.CallsHungUp")[0].BaseObject);
        }

        [Fact]
        public void Stopping_a_call_twice_says_why_once_and_each_exchange_is_one_line_under_Verbose_and_Debug()
        {
            var call = _ps.Ok("New-RingOutCall -To '+16505550106'")[0];
            _ps.Ok("$args[0] | Stop-RingOutCall", call);
            var r = _ps.Run("$args[0] | Stop-RingOutCall -Verbose -Debug", call);
            var error = Assert.Single(r.Errors);
            var message = error.ErrorDetails?.Message ?? error.Exception.Message;
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(message, "cannot be cancelled"));
            Assert.DoesNotContain("only while", message); // the rule is the recommendation's, said there once
            Assert.Contains("only while", error.ErrorDetails.RecommendedAction);
            Assert.NotEmpty(r.Debug.Where(d => d.Message.StartsWith("DELETE ")));
            Assert.DoesNotContain(r.Verbose, v => v.Message.StartsWith("DELETE ") || v.Message.StartsWith("GET "));
        }

        [Fact]
        public void Hanging_up_is_confirmed_as_a_high_impact_action_and_an_id_that_cannot_be_told_apart_is_refused()
        {
            var connected = _ps.Ok("New-RingOutCall -To '+14155550123' | Wait-RingOutCall")[0];
            // -WhatIf: nothing is hung up.
            var whatIf = _ps.Run("$args | Stop-RingOutCall -WhatIf", connected);
            Assert.Empty(whatIf.Errors);
            Assert.Equal(0, Count("DELETE", "telephony-session"));
            // With $ConfirmPreference at its default (High) and neither -Force nor -Confirm:$false, it asks; this host cannot.
            var asks = _ps.Run("$args | Stop-RingOutCall", connected);
            Assert.Contains(asks.Errors, e => e.Exception is System.Management.Automation.Host.HostException || e.Exception.InnerException is System.Management.Automation.Host.HostException);
            Assert.Equal(0, Count("DELETE", "telephony-session"));
            // By id: a call placed in this session is known, with -Force.
            var byId = _ps.Run("Stop-RingOutCall -Id $args[0] -Force -PassThru", P(connected, "Id"));
            Assert.Empty(byId.Errors);
            Assert.Equal("Ended", P(Assert.Single(byId.Output), "State"));
            Assert.Equal(1, Count("DELETE", "telephony-session"));
            // A call placed elsewhere (here: by the client library) is only an id: which live call it is cannot be told.
            var foreign = _ps.Ok(@"$s = Get-RingCentralSession
                $r = [RingOut.Client.RingOutCallRequest]::new(); $r.To = '+14155550124'
                $c = $s.PlaceCallAsync($r, [Threading.CancellationToken]::None).GetAwaiter().GetResult()
                $s.Emulator.Clock.Advance([TimeSpan]::FromSeconds(12)); $c.Id")[0].ToString();
            var refused = _ps.Run("Stop-RingOutCall -Id $args[0] -Force", foreign);
            var error = Assert.Single(refused.Errors);
            Assert.Equal("RingOut.CannotHangUp,RingOut.PowerShell.StopRingOutCallCommand", error.FullyQualifiedErrorId);
            Assert.Contains("pipe the call as New-RingOutCall wrote it", error.Exception.Message);
            Assert.Equal(1, Count("DELETE", "telephony-session"));
        }

        [Fact]
        public void WhatIf_sends_no_request()
        {
            var r = _ps.Run("New-RingOutCall -To '+14155550123' -WhatIf; Stop-RingOutCall -Id 123 -WhatIf");
            Assert.Empty(r.Output);
            Assert.Empty(r.Errors);
            Assert.Equal(0, Count("POST", "ring-out"));
            Assert.Equal(0, Count("DELETE", "ring-out"));
        }

        [Fact]
        public void A_pipeline_of_objects_with_To_and_From_places_one_call_each()
        {
            var script = @"
                $rows = @(
                    [pscustomobject]@{ To = '+1 415 555 0100'; From = '+1 650 555 0002' }
                    [pscustomobject]@{ To = '(415) 555-0101'; From = '' }
                    [pscustomobject]@{ PhoneNumber = '+44 20 7946 0958' }
                    [pscustomobject]@{ To = '+16505550101' }
                )
                $rows | New-RingOutCall | Wait-RingOutCall";
            var r = _ps.Run(script);
            Assert.Empty(r.Errors);
            Assert.Equal(4, r.Output.Count);
            Assert.Equal(new[] { "+14155550100", "+14155550101", "+16505550101", "+442079460958" }, r.Output.Select(o => P(o, "To")).OrderBy(x => x, StringComparer.Ordinal).ToArray());
            Assert.Equal("+16505550002", P(r.Output.Single(o => P(o, "To") == "+14155550100"), "From"));
            Assert.Equal("Failed", P(r.Output.Single(o => P(o, "To") == "+16505550101"), "State"));
            Assert.Equal(4, Count("POST", "ring-out"));
        }

        [Theory]
        [MemberData(nameof(Scenarios.BadInputs), "RingOut.InvalidPhoneNumber", MemberType = typeof(Scenarios))]
        public void Each_invalid_number_is_an_error_with_its_id_category_and_input_and_nothing_is_sent(string script, string errorId, string input, string parameter, string because)
        {
            var r = _ps.Run(script);
            var error = Assert.Single(r.Errors);
            Assert.Equal(errorId + ",RingOut.PowerShell.NewRingOutCallCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            Assert.Equal(input, error.TargetObject);
            Assert.StartsWith($"-{parameter}:", error.Exception.Message);
            Assert.Contains(because, error.Exception.Message);
            Assert.Empty(r.Output);
            Assert.Equal(0, Count("POST", "ring-out"));
        }

        [Fact]
        public void National_numbers_are_read_in_the_default_region_or_the_extensions_home_country()
        {
            Assert.Equal("US", _ps.Ok("(Get-RingCentralSession).HomeCountry")[0].ToString());
            Assert.Equal("+14155550123", P(_ps.Ok("New-RingOutCall -To '(415) 555-0123'")[0], "To"));
            Assert.Equal("+442079460958", P(_ps.Ok("New-RingOutCall -To '020 7946 0958' -DefaultRegion GB")[0], "To"));
            Assert.Equal("+442079460958", P(_ps.Ok("ConvertTo-RingCentralDialUri '020 7946 0958' -DefaultRegion GB")[0], "Number"));
            var r = _ps.Run("New-RingOutCall -To '020 7946 0958'");
            Assert.Equal("RingOut.InvalidPhoneNumber", Assert.Single(r.ErrorIds));
            Assert.Contains("country code", r.Errors[0].Exception.Message);
        }

        [Fact]
        public void A_bad_row_in_a_pipeline_is_an_error_and_the_other_rows_are_placed()
        {
            var r = _ps.Run("'+14155550100', 'not a number', '+14155550102' | New-RingOutCall");
            Assert.Equal(2, r.Output.Count);
            Assert.Equal("not a number", Assert.Single(r.Errors).TargetObject);
        }

        [Fact]
        public void The_platforms_refusal_keeps_its_error_code_and_request_id()
        {
            var r = _ps.Run("New-RingOutCall -To '+14155550123' -CallerId '+14155550000'");
            var error = Assert.Single(r.Errors);
            Assert.Equal("RingOut.ApiError,RingOut.PowerShell.NewRingOutCallCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            var api = (dynamic)error.Exception;
            Assert.Equal("CMN-101", (string)api.ErrorCode);
            Assert.Equal("callerId.phoneNumber", (string)api.ParameterName);
            Assert.False(string.IsNullOrEmpty((string)api.RequestId));
            Assert.Contains("RCRequestId", error.Exception.Message);
            Assert.Contains("callerId.phoneNumber", error.ErrorDetails.RecommendedAction);
        }

        [Fact]
        public void Get_returns_a_fresh_snapshot_by_id_or_by_object_and_says_when_a_call_is_gone()
        {
            var call = _ps.Ok("New-RingOutCall -To '+14155550123'")[0];
            var byId = Assert.Single(_ps.Ok("Get-RingOutCall -Id $args[0]", P(call, "Id")));
            Assert.Equal(P(call, "Id"), P(byId, "Id"));
            var byObject = Assert.Single(_ps.Ok("$args[0] | Get-RingOutCall", call));
            Assert.Equal("+14155550123", P(byObject, "To")); // a piped call keeps what the snapshot knew
            var byProperty = Assert.Single(_ps.Ok("[pscustomobject]@{ Id = $args[0] } | Get-RingOutCall", P(call, "Id")));
            Assert.Equal(P(call, "Id"), P(byProperty, "Id"));

            var r = _ps.Run("Get-RingOutCall -Id 999, $args[0]", P(call, "Id"));
            var error = Assert.Single(r.Errors);
            Assert.Equal("RingOut.CallNotFound,RingOut.PowerShell.GetRingOutCallCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
            Assert.Equal("999", error.TargetObject);
            Assert.Contains("need not mean that it failed", error.Exception.Message);
            Assert.Single(r.Output);

        }

        [Fact]
        public void Wait_names_calls_still_pending_at_the_timeout_and_still_writes_their_snapshot()
        {
            var r = _ps.Run("New-RingOutCall '+16505550106', '+14155550123' | Wait-RingOutCall -Timeout 15");
            Assert.Equal(2, r.Output.Count);
            Assert.Contains(r.Output, o => P(o, "State") == "Connected");
            var pending = r.Output.Single(o => P(o, "To") == "+16505550106");
            Assert.Equal("InProgress", P(pending, "State"));
            var error = Assert.Single(r.Errors);
            Assert.Equal("RingOut.WaitTimeout,RingOut.PowerShell.WaitRingOutCallCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
            Assert.Contains(P(pending, "Id"), error.Exception.Message);
        }

        [Fact]
        public void Wait_takes_the_outcome_of_a_call_RingCentral_forgot_from_the_call_log()
        {
            var calls = _ps.Ok("New-RingOutCall -To '+14155550123', '+16505550103'");
            _ps.Ok("$c = (Get-RingCentralSession).Emulator.Clock; $c.AutoAdvance = $false; $c.Advance([TimeSpan]::FromMinutes(5)); $c.AutoAdvance = $true");
            var r = _ps.Run("$args | Wait-RingOutCall -Verbose", calls[0], calls[1]);
            Assert.Empty(r.Errors);
            var byTo = r.Output.ToDictionary(o => P(o, "To"));
            Assert.Equal("Ended", P(byTo["+14155550123"], "State"));
            Assert.Equal("Call connected", P(byTo["+14155550123"], "Result"));
            Assert.Equal("00:00:20", P(byTo["+14155550123"], "Duration"));
            Assert.Equal("Failed", P(byTo["+16505550103"], "State"));
            Assert.Equal("Rejected", P(byTo["+16505550103"], "Result"));
            Assert.Contains(r.Verbose, v => v.Message.Contains("gone: its outcome is looked up in the call log"));
            Assert.Contains(r.Verbose, v => v.Message.Contains("Ended, from the call log: Call connected (Accepted), 20 s"));
        }

        [Fact]
        public void Ctrl_C_stops_a_wait_at_once()
        {
            _ps.Ok("Connect-RingCentral -Environment Emulator"); // the real clock: this wait would take 30 s
            using var ps = _ps.Begin("New-RingOutCall -To '+16505550106' | Wait-RingOutCall -PollInterval 1");
            using var progressed = new System.Threading.ManualResetEventSlim();
            ps.Streams.Progress.DataAdded += (_, _) => progressed.Set();
            var running = ps.BeginInvoke();
            Assert.True(progressed.Wait(TimeSpan.FromSeconds(20)), "the wait showed no progress");
            var stopWatch = System.Diagnostics.Stopwatch.StartNew();
            ps.Stop();
            Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
            Assert.True(stopWatch.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {stopWatch.Elapsed}");
        }

        [Fact]
        public void Session_lets_one_script_work_with_two_accounts_and_piped_calls_keep_theirs()
        {
            var r = _ps.Run(@"
                $admin = Connect-RingCentral -Environment Emulator -VirtualTime -PassThru -Jwt ([System.Net.NetworkCredential]::new('', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI4NTA5NTcwMjEiLCJpc3MiOiJyaW5nb3V0LWVtdWxhdG9yIn0.ZGVtby1hZG1pbi1qd3Q').SecurePassword)
                $user = Connect-RingCentral -Environment Emulator -VirtualTime -PassThru
                $call = New-RingOutCall -To '+14155550123' -Session $admin
                $call | Wait-RingOutCall -Via Polling
                $admin.Emulator.Statistics.Count('GET', 'ring-out')
                $user.Emulator.Statistics.Count('GET', 'ring-out')
                (Get-RingCentralSession).UserName");
            Assert.Empty(r.Errors);
            Assert.Equal("Connected", P(r.Output[0], "State"));
            Assert.True((long)r.Output[1].BaseObject > 0);   // the admin's session polled its own call
            Assert.Equal(0L, r.Output[2].BaseObject);        // though the current session is the user's
            Assert.Equal("Demo User", r.Output[3].ToString());
        }

        [Fact]
        public void A_session_the_platform_ended_is_named_for_each_row_and_only_the_first_sends_a_request()
        {
            // The platform forgets every token, and refuses the JWT too: the session cannot sign in again.
            var r = _ps.Run("$s = Get-RingCentralSession; $s.Emulator.Reset(); " + PowerShellHost.RefuseSignIn + "; '+14155550100', '+14155550101' | New-RingOutCall -From '+16505550001'");
            Assert.Equal(2, r.Errors.Count);
            Assert.All(r.Errors, error =>
            {
                Assert.Equal("RingOut.SessionExpired,RingOut.PowerShell.NewRingOutCallCommand", error.FullyQualifiedErrorId);
                Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
                Assert.Contains("Connect-RingCentral", error.Exception.Message);
            });
            Assert.Equal(new object[] { "+14155550100", "+14155550101" }, r.Errors.Select(e => e.TargetObject).ToArray());
            Assert.Empty(r.Output);
            Assert.Equal(1, Count("POST", "ring-out"));
        }

        [Theory]
        [InlineData("GET", "ring-out", "Polling")] // during a wait that polls
        [InlineData("POST", "wstoken", "Auto")]    // as a wait subscribes to events
        public void When_the_session_dies_during_a_wait_every_calls_last_snapshot_is_written_and_one_error_names_the_pending_ones(string method, string route, string via)
        {
            var r = _ps.Run(@"
                $s = Get-RingCentralSession
                $calls = New-RingOutCall '+16505550106', '+14155550123', '+16505550101'
                $null = $s.Emulator.Faults.Add('RevokeSession', $args[0], $args[1], 1); " + PowerShellHost.RefuseSignIn + @"
                $calls | Wait-RingOutCall -Via $args[2]", method, route, via);
            Assert.Equal(3, r.Output.Count);
            Assert.Equal("RingOut.SessionExpired,RingOut.PowerShell.WaitRingOutCallCommand", Assert.Single(r.Errors).FullyQualifiedErrorId);
            Assert.Contains("Connect-RingCentral", r.Errors[0].Exception.Message);
        }

        [Fact]
        public void A_session_RingCentral_ended_signs_in_again_writes_one_warning_and_Get_RingCentralSession_says_why()
        {
            var r = _ps.Run(@"
                $s = Get-RingCentralSession
                $calls = New-RingOutCall '+14155550123', '+14155550124'
                $null = $s.Emulator.Faults.Add('RevokeSession', 'GET', 'ring-out', 1)
                $calls | Get-RingOutCall
                $s.SignInsAgain.Count
                $s.CanSignInAgain");
            Assert.Empty(r.Errors);
            Assert.Equal(new[] { "+14155550123", "+14155550124" }, r.Output.Take(2).Select(o => P(o, "To")).ToArray()); // both read
            var warning = Assert.Single(r.Warnings);
            Assert.StartsWith("Signed in again with the JWT credential: RingCentral refused to refresh the session (OAU-211", warning.Message);
            Assert.Equal(1, (int)r.Output[2].BaseObject);
            Assert.True((bool)r.Output[3].BaseObject);
        }

        [Fact]
        public void No_secret_appears_in_any_stream_even_with_Verbose_and_Debug_and_errors()
        {
            var r = _ps.Run(@"
                $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'
                Connect-RingCentral -Environment Emulator -VirtualTime -PassThru
                New-RingOutCall -To '+16505550101' | Wait-RingOutCall
                New-RingOutCall -To '+14155550123' -CallerId '+14155550000'
                Get-RingOutCall -Id 42
                Get-RingCentralSession | Disconnect-RingCentral
                Get-RingOutCall -Id 42");
            var text = r.AllText();
            Assert.NotEmpty(r.Verbose);
            Assert.NotEmpty(r.Errors);
            // The bodies are there, with the secrets in them replaced.
            Assert.Contains(r.Debug, d => d.Message.StartsWith("POST /restapi/oauth/token -> 200"));
            Assert.Contains(r.Debug, d => d.Message.Contains("assertion=***") && d.Message.Contains("\"access_token\":\"***\"") && d.Message.Contains("\"refresh_token\":\"***\""));
            Assert.Contains(r.Debug, d => d.Message.Contains("\"to\":{\"phoneNumber\":") && d.Message.Contains("16505550101"));
            foreach (var secret in new[] { "emulator-demo-client-secret", "ZGVtby11c2VyLWp3dA", "RCEMU-AT-", "RCEMU-RT-", "Bearer ", "Basic " })
                Assert.DoesNotContain(secret, text);
        }
    }
}
