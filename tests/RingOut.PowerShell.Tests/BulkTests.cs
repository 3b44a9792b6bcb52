using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace RingOut.PowerShell.Tests
{
    /// <summary>Bulk runs under RingCentral's limits, on virtual time: minutes of pacing pass at once.</summary>
    [Collection("PowerShell")]
    public sealed class BulkTests : IDisposable
    {
        private readonly PowerShellHost _ps = new PowerShellHost();

        public BulkTests() => _ps.Ok("$global:s = Connect-RingCentral -Environment Emulator -VirtualTime -PassThru");

        public void Dispose() => _ps.Dispose();

        private object Stat(string expression) => _ps.Ok("$s.Emulator." + expression)[0].BaseObject;

        [Fact]
        public void A_hundred_calls_go_as_fast_as_the_heavy_limit_allows_without_a_429_and_say_how_long_the_rest_takes()
        {
            var r = _ps.Run("$numbers = 0..99 | ForEach-Object { '+1415555{0:d4}' -f (5000 + $_) }; New-RingOutCall -To $numbers");
            Assert.Empty(r.Errors);
            Assert.Equal(100, r.Output.Count);
            Assert.Equal(100L, Stat("Statistics.CallsCreated"));
            Assert.Equal(0L, Stat("Statistics.TooManyRequestsSent"));
            // Ten a minute: the 100th call may go after nine full windows, and not much later.
            var seconds = (double)Stat("Clock.Elapsed.TotalSeconds");
            Assert.InRange(seconds, 540, 540 * 1.05);
            var pacing = r.Progress.Where(p => p.StatusDescription.Contains("rate limit")).ToList();
            Assert.Equal(9, pacing.Count);
            Assert.True(pacing[0].StatusDescription.Contains("10 placed; waiting"), pacing[0].StatusDescription);
            Assert.True(pacing[0].StatusDescription.Contains("89 more after it, about 9.0 min in all"), pacing[0].StatusDescription);
        }

        [Fact]
        public void One_session_used_from_parallel_runspaces_shares_one_budget()
        {
            var r = _ps.Run(@"
                $m = $args[0]
                1..3 | ForEach-Object -ThrottleLimit 3 -Parallel {
                    Import-Module $using:m
                    $worker = $_
                    1..8 | ForEach-Object { New-RingOutCall -To ('+1415555{0:d4}' -f (6000 + 100 * $worker + $_)) }
                } | ForEach-Object { $_.Id }", PowerShellHost.ModuleManifest);
            Assert.Empty(r.Errors);
            Assert.Equal(24, r.Output.Select(o => o.ToString()).Distinct().Count());
            Assert.Equal(24L, Stat("Statistics.CallsCreated"));
            Assert.Equal(0L, Stat("Statistics.TooManyRequestsSent"));
            Assert.True((double)Stat("Clock.Elapsed.TotalSeconds") >= 120, "24 calls at 10 a minute need two full windows");
        }

        [Fact]
        public void Waiting_on_a_hundred_calls_polls_within_the_light_limit()
        {
            var r = _ps.Run("$s.Emulator.Options.RateLimits.Heavy = 1000; 0..99 | ForEach-Object { '+1415555{0:d4}' -f (7000 + $_) } | New-RingOutCall | Wait-RingOutCall -Via Polling");
            Assert.Empty(r.Errors);
            Assert.Equal(100, r.Output.Count);
            // Polled at most 40 times a minute in all, most calls are next seen after they have ended: that meets -Until Connected too.
            Assert.All(r.Output, o => Assert.Contains(o.Properties["State"].Value.ToString(), new[] { "Connected", "Ended" }));
            Assert.Equal(0L, Stat("Statistics.TooManyRequestsSent"));
            var gets = (long)_ps.Ok("$s.Emulator.Statistics.Count('GET', 'ring-out')")[0].BaseObject;
            Assert.InRange(gets, 100, 300);
        }

        [Fact]
        public void A_hundred_calls_placed_first_and_waited_on_later_under_RingCentrals_limits_all_get_their_outcome()
        {
            // The bulk report of issue 13: with RingCentral's default limits, 90 of these came back Gone before the call log.
            var r = _ps.Run(@"
                $numbers = 0..99 | ForEach-Object { if ($_ % 10 -eq 3) { '+16505550101' } elseif ($_ % 10 -eq 7) { '+16505550103' } else { '+1415555{0:d4}' -f (8000 + $_) } }
                $calls = $numbers | New-RingOutCall
                $calls | Wait-RingOutCall -Until Ended");
            Assert.Empty(r.Errors);
            Assert.Equal(100, r.Output.Count);
            var states = r.Output.GroupBy(o => o.Properties["State"].Value.ToString()).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(80, states.GetValueOrDefault("Ended"));
            Assert.Equal(20, states.GetValueOrDefault("Failed"));
            // Busy and rejected by the call log's words, or by the RingOut's own for a call still known when it settled.
            bool Says(System.Management.Automation.PSObject o, string word) =>
                (string)o.Properties["Result"].Value == word || o.Properties["CalleeStatus"].Value.ToString() == word;
            Assert.Equal(10, r.Output.Count(o => Says(o, "Busy")));
            Assert.Equal(10, r.Output.Count(o => Says(o, "Rejected")));
            // Most were forgotten before they were seen again; those still under way at the wait (the last ten) are told by
            // their events, and two calls to a busy or rejecting number a minute earlier by one read each.
            Assert.InRange(r.Output.Count(o => o.Properties["Result"].Value != null), 80, 100);
            Assert.Equal(0L, Stat("Statistics.TooManyRequestsSent"));
            var logReads = (long)_ps.Ok("$s.Emulator.Statistics.Count('GET', 'call-log')")[0].BaseObject;
            Assert.InRange(logReads, 1, 10); // in batches: one read answers for many calls
        }

        [Fact]
        public void Waiting_through_telephony_events_knows_every_outcome_without_polling_each_call()
        {
            // Piped straight through, under RingCentral's limits. PowerShell begins every command of a pipeline before
            // any processes a record, and Wait-RingOutCall subscribes as it begins: every call, the first too, is
            // placed after the subscription and told by its events alone (the first used to need a poll).
            var r = _ps.Run(@"
                $numbers = 0..19 | ForEach-Object { if ($_ % 10 -eq 3) { '+16505550101' } elseif ($_ % 10 -eq 7) { '+16505550103' } else { '+1415555{0:d4}' -f (9000 + $_) } }
                $numbers | New-RingOutCall | Wait-RingOutCall -Until Ended -Via Events");
            Assert.Empty(r.Errors);
            Assert.Equal(20, r.Output.Count);
            var states = r.Output.GroupBy(o => o.Properties["State"].Value.ToString()).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(16, states.GetValueOrDefault("Ended"));
            Assert.Equal(4, states.GetValueOrDefault("Failed"));
            Assert.Equal(2, r.Output.Count(o => o.Properties["CalleeStatus"].Value.ToString() == "Busy"));
            Assert.Equal(2, r.Output.Count(o => o.Properties["CalleeStatus"].Value.ToString() == "Rejected"));
            Assert.All(r.Output, o => Assert.StartsWith("s-", (string)o.Properties["TelephonySessionId"].Value));
            var gets = (long)_ps.Ok("$s.Emulator.Statistics.Count('GET', 'ring-out')")[0].BaseObject;
            Assert.Equal(0L, gets);
            Assert.Equal(0L, (long)_ps.Ok("$s.Emulator.Statistics.Count('GET', 'call-log') + $s.Emulator.Statistics.Count('GET', 'active-calls')")[0].BaseObject);
            Assert.Equal(0L, Stat("Statistics.TooManyRequestsSent"));
            Assert.Equal(1L, (long)_ps.Ok("$s.Emulator.Statistics.Count('POST', 'wstoken')")[0].BaseObject);
        }

        [Fact]
        public void A_call_piped_into_the_wait_is_placed_after_its_subscription_even_when_subscribing_must_wait()
        {
            // The user's Auth budget is spent for a minute (as a fleet's sign-ins spend it), so the WebSocket token
            // waits. The wait subscribes as it begins, before the call is placed, and hears its every event;
            // subscribing at the first call left a call that ended meanwhile to a poll and the call log (Heavy).
            var r = _ps.Run(@"
                # (Budget is the session's machinery, hidden from users: reached here as the module reaches it.)
                $s.GetType().GetProperty('Budget', [Reflection.BindingFlags]'NonPublic, Instance').GetValue($s).Penalize('Auth', [TimeSpan]::FromSeconds(60))
                '+16505550101' | New-RingOutCall | Wait-RingOutCall -Until Ended");
            Assert.Empty(r.Errors);
            var call = Assert.Single(r.Output);
            Assert.Equal("Failed", call.Properties["State"].Value.ToString());
            Assert.Equal("Busy", call.Properties["CalleeStatus"].Value.ToString());
            Assert.StartsWith("s-", (string)call.Properties["TelephonySessionId"].Value);
            Assert.Equal(0L, (long)_ps.Ok("'ring-out', 'call-log', 'active-calls' | ForEach-Object { $n = 0 } { $n += $s.Emulator.Statistics.Count('GET', $_) } { $n }")[0].BaseObject);
        }

        [Fact]
        public void A_hundred_calls_placed_first_and_waited_on_through_events_need_almost_no_poll()
        {
            var r = _ps.Run(@"
                $numbers = 0..99 | ForEach-Object { if ($_ % 10 -eq 3) { '+16505550101' } elseif ($_ % 10 -eq 7) { '+16505550103' } else { '+1415555{0:d4}' -f (9300 + $_) } }
                $calls = $numbers | New-RingOutCall
                $calls | Wait-RingOutCall -Until Ended -Via Events");
            Assert.Empty(r.Errors);
            Assert.Equal(100, r.Output.Count);
            var states = r.Output.GroupBy(o => o.Properties["State"].Value.ToString()).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(80, states.GetValueOrDefault("Ended"));
            Assert.Equal(20, states.GetValueOrDefault("Failed"));
            Assert.InRange((long)_ps.Ok("$s.Emulator.Statistics.Count('GET', 'ring-out')")[0].BaseObject, 0, 10); // at most 0.1 per call
            Assert.InRange((long)_ps.Ok("$s.Emulator.Statistics.Count('GET', 'active-calls')")[0].BaseObject, 1, 2);
            Assert.Equal(0L, Stat("Statistics.TooManyRequestsSent"));
        }

        [Fact]
        public void A_three_hour_call_is_followed_through_events_across_token_subscription_and_socket_renewals()
        {
            var r = _ps.Run(@"
                $s.Emulator.Options.TalkTime = [TimeSpan]::FromHours(3)
                $drops = $s.Emulator.DropSocketsEvery([TimeSpan]::FromMinutes(25))
                $done = New-RingOutCall -To '+14155550123' | Wait-RingOutCall -Until Ended -Via Events
                $drops.Dispose()
                $done.State
                $s.Emulator.Clock.Elapsed.TotalSeconds
                $s.Emulator.Statistics.Count('GET', 'ring-out')
                $s.Emulator.Statistics.Count('POST', 'token')
                $s.Emulator.Statistics.Count('POST', 'wstoken')
                $s.TokenRefreshCount");
            Assert.Empty(r.Errors);
            Assert.Equal("Ended", r.Output[0].ToString());
            // The call ends 3 h 11 s after it is placed (answered at 11 s): the outcome is written within 1 s of that.
            Assert.InRange((double)r.Output[1].BaseObject, 3 * 3600 + 11, 3 * 3600 + 12);
            Assert.InRange((long)r.Output[2].BaseObject, 0, 8);   // the safety net backs off: a quiet call is normal
            Assert.True((int)r.Output[5].BaseObject >= 2, "the access token was refreshed across the hours");
            Assert.True((long)r.Output[4].BaseObject >= 2, "the socket's token was renewed after it lapsed");
        }

        [Fact]
        public void Events_lost_to_a_dropped_socket_whose_recovery_is_refused_are_made_up_by_polling_and_the_call_log()
        {
            var r = _ps.Run(@"
                $calls = 0..5 | ForEach-Object { '+1415555{0:d4}' -f (9100 + $_) } | New-RingOutCall
                $job = $calls | Wait-RingOutCall -Until Connected -Via Events   # subscribes; these connect
                $s.Emulator.RefuseRecovery = $true
                $more = 0..5 | ForEach-Object { '+1415555{0:d4}' -f (9200 + $_) } | New-RingOutCall
                $s.Emulator.DropSockets()
                $s.Emulator.Clock.AutoAdvance = $false; $s.Emulator.Clock.Advance([TimeSpan]::FromMinutes(5)); $s.Emulator.Clock.AutoAdvance = $true
                $more | Wait-RingOutCall -Until Ended -Via Events");
            Assert.Empty(r.Errors);
            var ended = r.Output.ToList();
            Assert.Equal(6, ended.Count);
            Assert.All(ended, o => Assert.Equal("Ended", o.Properties["State"].Value.ToString()));
            // Nothing came over the new socket for them: they were polled, found forgotten, and read from the call log.
            Assert.All(ended, o => Assert.Equal("Call connected", (string)o.Properties["Result"].Value));
            Assert.True((long)_ps.Ok("$s.Emulator.Statistics.Count('GET', 'call-log')")[0].BaseObject >= 1);
        }

        [Fact]
        public void Via_Events_on_a_session_that_cannot_subscribe_says_so_and_Auto_polls()
        {
            var r = _ps.Run(@"
                $null = $s.Emulator.Faults.Add('ServerError', 'POST', 'wstoken', 1); ($s.Emulator.Faults.Rules[-1]).StatusCode = 403; ($s.Emulator.Faults.Rules[-1]).RetryAfterSeconds = $null
                New-RingOutCall -To '+14155550123' | Wait-RingOutCall -Via Events");
            var error = Assert.Single(r.Errors);
            Assert.Equal("RingOut.EventsUnavailable,RingOut.PowerShell.WaitRingOutCallCommand", error.FullyQualifiedErrorId);
            var auto = _ps.Run("New-RingOutCall -To '+14155550123' | Wait-RingOutCall -Verbose"); // Auto, the default
            Assert.Empty(auto.Errors);
            Assert.Equal("Connected", auto.Output.Single().Properties["State"].Value.ToString());
            var why = Assert.Single(auto.Verbose, v => v.Message.StartsWith("Following calls by polling", StringComparison.Ordinal));
            Assert.Contains("403", why.Message);
        }
    }
}
