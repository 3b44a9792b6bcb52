using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Xunit;
using Xunit.Abstractions;

namespace RingOut.PowerShell.Tests
{
    /// <summary>
    /// Twelve calls through <c>New-RingOutCall | Wait-RingOutCall</c> under each fault the emulator can inject.
    /// For every cell: every call the platform created is reported (its snapshot, or an OutcomeUnknown error when its
    /// id never came back; an OutcomeUnknown may also name a row the platform did not act on), no number is called twice, every reported call has settled or is named in an error, and
    /// the requests stay within a stated bound. The matrix is printed with the test output.
    /// </summary>
    [Collection("PowerShell")]
    public sealed class FaultMatrixTests
    {
        private readonly ITestOutputHelper _out;

        public FaultMatrixTests(ITestOutputHelper output) { _out = output; }

        /// <param name="NotPlaced">Rows that must fail with <paramref name="RowError"/> (the platform refused them, with no way to know it did not act).</param>
        /// <param name="Timeout">The wait's -Timeout (0: none): every call must be written within it (and the time placing them took).</param>
        /// <param name="Reason">Words the run must say (in verbose or an error): why it did what it did.</param>
        /// <param name="PlacedFirst">The calls are placed before the wait subscribes (so the active calls are read for them).</param>
        private sealed record Cell(string Name, string Inject, bool SessionDies = false, int NotPlaced = 0, string RowError = null, string Via = "Polling",
            int Timeout = 0, string Reason = null, bool PlacedFirst = false);

        /// <summary>A hostile server's answers (or, with method "WS", the gateway's messages of one type) rewritten by the emulator: <paramref name="pattern"/> (a regex) → <paramref name="replacement"/>.</summary>
        private static string Rewrite(string method, string route, string pattern, string replacement, int skip = 0) =>
            $"$r = $f.Add('RewriteBody', '{method}', '{route}', -1, {skip}); $r.Pattern = '{pattern}'; $r.Replacement = '{replacement}'; ";

        /// <summary>The gateway's telephony events lost: the calls are found among the active calls, by polling and in the call log.</summary>
        private static readonly string NoEvents = Rewrite("WS", "ServerNotification", "^.*$", "");

        private static readonly Cell[] Cells =
        {
            new("none", ""),
            new("429 storm on POST", "$f.Add('TooManyRequests', 'POST', 'ring-out', 8).RetryAfterSeconds = 20"),
            new("429 storm on GET", "$f.Add('TooManyRequests', 'GET', 'ring-out', 10).RetryAfterSeconds = 60"),
            new("503 + Retry-After on POST", "$f.Add('ServerError', 'POST', 'ring-out', 3).RetryAfterSeconds = 5"),
            new("503 (no Retry-After) on GET", "$f.Add('ServerError', 'GET', 'ring-out', 4).RetryAfterSeconds = $null"),
            // A 500 does not prove that nothing was done: the row is named as an unknown outcome (here nothing was created).
            new("500 on POST", "$r = $f.Add('ServerError', 'POST', 'ring-out', 1); $r.StatusCode = 500; $r.RetryAfterSeconds = $null", NotPlaced: 1, RowError: "RingOut.OutcomeUnknown"),
            new("gateway 504 after acting on POST", "$r = $f.Add('ActThenError', 'POST', 'ring-out', 2); $r.StatusCode = 504"),
            new("answer 20 s late after acting on POST", "$f.Add('ActThenLatency', 'POST', 'ring-out', 2).Latency = [TimeSpan]::FromSeconds(20)"),
            new("latency 8 s on every request", "$f.Add('Latency', $null, $null, -1).Latency = [TimeSpan]::FromSeconds(8)"),
            new("drop before acting on POST", "$null = $f.Add('DropBeforeActing', 'POST', 'ring-out', 3)"),
            new("drop after acting on POST", "$null = $f.Add('DropAfterActing', 'POST', 'ring-out', 2)"),
            new("drop on GET", "$null = $f.Add('DropAfterActing', 'GET', 'ring-out', 4)"),
            new("truncated body on POST", "$null = $f.Add('TruncatedBody', 'POST', 'ring-out', 1)"),
            new("truncated body on GET", "$null = $f.Add('TruncatedBody', 'GET', 'ring-out', 3)"),
            new("malformed body on GET", "$null = $f.Add('MalformedBody', 'GET', 'ring-out', 3)"),
            new("early token expiry", "$null = $f.Add('ExpireAccessToken', 'GET', 'ring-out', 1); $null = $f.Add('ExpireAccessToken', 'POST', 'ring-out', 1)"),
            new("session revoked mid-run", "$null = $f.Add('RevokeSession', 'GET', 'ring-out', 1)"), // it signs in again with its JWT
            // RingCentral refuses the refresh, then the JWT too (two token requests): the session is over.
            new("session revoked, JWT refused", "$null = $f.Add('RevokeSession', 'GET', 'ring-out', 1); " + PowerShellHost.RefuseSignIn, SessionDies: true),
            // Issue 22: RingCentral ends every session at its first request (parallel-session churn): one sign-in again, then the session is over, not a sign-in per request.
            new("session ended at every sign-in", "$null = $f.Add('RevokeSession', 'GET', 'ring-out', -1)", SessionDies: true),
            new("call log 5 min late", "$s.Emulator.Options.CallLogLag = [TimeSpan]::FromMinutes(5); $s.Emulator.Options.Retention = [TimeSpan]::FromSeconds(5)"),
            // The event path (-Via Events) under the gateway's faults.
            new("events: none", "", Via: "Events"),
            new("events: socket dropped every 20 s", "$global:drops = $s.Emulator.DropSocketsEvery([TimeSpan]::FromSeconds(20))", Via: "Events"),
            new("events: dropped, recovery refused", "$s.Emulator.RefuseRecovery = $true; $global:drops = $s.Emulator.DropSocketsEvery([TimeSpan]::FromSeconds(20))", Via: "Events"),
            new("events: subscription lives 30 s", "$s.Emulator.Options.SubscriptionLifetime = [TimeSpan]::FromSeconds(30)", Via: "Events"),
            new("events: 429 storm on the subscription", "$f.Add('TooManyRequests', 'POST', 'wstoken', 3).RetryAfterSeconds = 20", Via: "Events"),
            // Issue 22: a hostile server and gateway. A value of the wrong JSON type in every kind of message, endless
            // paging, a gateway gone silent: every call is written within the wait's -Timeout.
            new("wrong type: frame [42]", Rewrite("WS", "ServerNotification", "^.*$", "[42]"), Via: "Events", Timeout: 600),
            new("wrong type: frame [\"x\",{}]", Rewrite("WS", "ServerNotification", "^.*$", "[\"x\",{}]"), Via: "Events", Timeout: 600),
            new("wrong type: wsc.sequence \"9\"", Rewrite("WS", "", "(\"wsc\":\\{[^}]*\"sequence\":)(\\d+)", "$1\"$2\""), Via: "Events", Timeout: 600),
            // The subscription's answer unreadable: no subscription, so the wait polls (Auto) and says why.
            new("wrong type: status \"200\"", Rewrite("WS", "ClientRequest", "\"status\":200", "\"status\":\"200\""), Via: "Auto", Timeout: 600, Reason: "Following calls by polling"),
            new("wrong type: notification body 5", Rewrite("WS", "ServerNotification", "\"body\":\\{", "\"body\":5,\"was\":{"), Via: "Events", Timeout: 600),
            new("wrong type: event sequence \"7\"", Rewrite("WS", "ServerNotification", "\"sequence\":(\\d+),\"sessionId\"", "\"sequence\":\"$1\",\"sessionId\""), Via: "Events", Timeout: 600),
            new("wrong type: subscription expiresIn", Rewrite("WS", "ClientRequest", "\"expiresIn\":(\\d+)", "\"expiresIn\":\"$1\""), Via: "Events", Timeout: 600),
            new("wrong type: wstoken expires_in", Rewrite("POST", "wstoken", "\"expires_in\":(\\d+)", "\"expires_in\":\"$1\""), Via: "Events", Timeout: 600),
            new("wrong type: call log duration", Rewrite("GET", "call-log", "\"(duration|durationMs)\":(\\d+)", "\"$1\":\"$2\""), Timeout: 600),
            new("wrong type: call log totalPages", Rewrite("GET", "call-log", "\"totalPages\":(\\d+)", "\"totalPages\":\"$1\""), Timeout: 600),
            new("wrong type: active call duration", NoEvents + Rewrite("GET", "active-calls", "\"startTime\":", "\"duration\":\"x\",\"startTime\":"), Via: "Events", Timeout: 900, PlacedFirst: true),
            new("endless call log paging", Rewrite("GET", "call-log", "\"totalPages\":\\d+", "\"totalPages\":1000000"), Timeout: 600),
            // Every telephony event past the 4 MB bound: each ends its socket (as over the network), the calls are polled meanwhile.
            new("events: oversize messages", "$r = $f.Add('RewriteBody', 'WS', 'ServerNotification', -1, 0); $r.Pattern = '^.*$'; " +
                "$r.Replacement = '[{\"type\":\"ServerNotification\"},{\"x\":\"' + ('x' * 5MB) + '\"}]'", Via: "Events", Timeout: 600, Reason: "socket is down"),
            // A gateway that goes silent after its first messages, and drops the socket every 20 s: each new socket is
            // taken and never answered (as a black-holed connect): the calls are polled meanwhile, and it is said.
            new("events: gateway silent after a reconnect", "$global:drops = $s.Emulator.DropSocketsEvery([TimeSpan]::FromSeconds(20)); " + Rewrite("WS", "", "^.*$", "", skip: 10),
                Via: "Events", Timeout: 600, Reason: "socket is down"),
        };

        private static readonly string[] Numbers =
            Enumerable.Range(0, 9).Select(i => "+1415555" + (2000 + i)).Concat(new[] { "+16505550101", "+16505550102", "+16505550106" }).ToArray();

        [Fact]
        public void A_call_placed_into_a_wait_that_cannot_subscribe_with_Via_Events_is_named_in_the_error()
        {
            // Found by the matrix: the subscription's answer unreadable (its status a string), -Via Events ended the
            // pipeline with RingOut.EventsUnavailable, and the call already placed was written nowhere.
            using var ps = new PowerShellHost();
            ps.Ok("$global:s = Connect-RingCentral -Environment Emulator -VirtualTime -PassThru; $global:f = $s.Emulator.Faults; " +
                  Rewrite("WS", "ClientRequest", "\"status\":200", "\"status\":\"200\""));
            var r = ps.Run("$args | New-RingOutCall | Wait-RingOutCall -Via Events", Numbers.Take(3).Cast<object>().ToArray());
            var created = ps.Ok("$s.Emulator.Calls | ForEach-Object Id").Select(o => o.ToString()).ToList();
            Assert.NotEmpty(created);
            Assert.Equal("RingOut.EventsUnavailable", r.Error.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Empty(r.Output); // none settled: not written as if it were, named in the error instead
            var named = PSObject.AsPSObject(r.Error.TargetObject).Properties["Pending"].Value as System.Collections.IEnumerable;
            Assert.Equal(created, named.Cast<object>().Select(c => PSObject.AsPSObject(c).Properties["Id"].Value.ToString()));
        }

        [Fact]
        public void A_wait_that_cannot_subscribe_after_a_503_advises_trying_again_and_writes_no_unsettled_call()
        {
            using var ps = new PowerShellHost();
            ps.Ok("$global:s = Connect-RingCentral -Environment Emulator -VirtualTime -PassThru; $null = $s.Emulator.Faults.Add('ServerError', 'POST', 'wstoken', -1)");
            var r = ps.Run("New-RingOutCall -To '+14155550123' | Wait-RingOutCall -Via Events -Until Ended");
            Assert.Equal("RingOut.EventsUnavailable", r.Error.FullyQualifiedErrorId.Split(',')[0]);
            Assert.DoesNotContain("permission", r.Error.ErrorDetails.RecommendedAction);
            Assert.Contains("try again", r.Error.ErrorDetails.RecommendedAction);
            Assert.Empty(r.Output);
            Assert.Single((System.Collections.IEnumerable)PSObject.AsPSObject(r.Error.TargetObject).Properties["Pending"].Value);
        }

        [Fact]
        public void A_gateway_that_never_answers_holds_the_early_subscription_no_longer_than_the_waits_timeout()
        {
            // Wait-RingOutCall subscribes before the first call comes; a gateway that took the socket and said nothing
            // held it 30 s (the answer's own limit) whatever -Timeout said.
            using var ps = new PowerShellHost();
            ps.Ok("$global:s = Connect-RingCentral -Environment Emulator -VirtualTime -PassThru; $global:f = $s.Emulator.Faults; " +
                  Rewrite("WS", "ConnectionDetails", "^.*$", ""));
            var r = ps.Run("$t0 = $s.Emulator.Clock.Elapsed; New-RingOutCall -To '+14155552000' | Wait-RingOutCall -Timeout 5; " +
                           "$global:took = ($s.Emulator.Clock.Elapsed - $t0).TotalSeconds");
            var took = (double)ps.Ok("$took")[0].BaseObject;
            Assert.True(took <= 15, $"the pipeline took {took:0} s with -Timeout 5");
            Assert.Single(r.Output); // the call, written
        }

        [Theory]
        [InlineData("ServerError")]
        [InlineData("TooManyRequests")]
        public void A_poll_answered_Retry_After_3600_ends_the_wait_at_its_Timeout_and_the_error_names_the_Retry_After(string kind)
        {
            // The hostile-server review: the pipeline waited out Retry-After (up to 10 times an hour) whatever -Timeout said.
            using var ps = new PowerShellHost();
            ps.Ok("$global:s = Connect-RingCentral -Environment Emulator -VirtualTime -PassThru; $global:f = $s.Emulator.Faults; " +
                  $"$r = $f.Add([RingOut.Emulator.FaultKind]::{kind}, 'GET', 'ring-out', -1); $r.RetryAfterSeconds = 3600");
            var r = ps.Run("$t0 = $s.Emulator.Clock.Elapsed; New-RingOutCall -To '+14155552000' | Wait-RingOutCall -Via Polling -Timeout 20; " +
                           "$global:took = ($s.Emulator.Clock.Elapsed - $t0).TotalSeconds");
            var took = (double)ps.Ok("$took")[0].BaseObject;
            Assert.True(took <= 30, $"the pipeline took {took:0} s with -Timeout 20");
            Assert.Contains(r.Errors, e => e.Exception.Message.Contains("It asked to wait 3600 s (Retry-After)"));
        }

        [Fact]
        public void Every_fault_keeps_every_call_reported_placed_once_and_settled_or_named()
        {
            var rows = new List<string>();
            var failures = new List<string>();
            foreach (var cell in Cells)
            {
                using var ps = new PowerShellHost();
                ps.Ok("$global:s = Connect-RingCentral -Environment Emulator -VirtualTime -PassThru; $global:f = $s.Emulator.Faults; " + cell.Inject);
                var wait = "Wait-RingOutCall -Verbose -Via " + cell.Via + (cell.Timeout > 0 ? " -Timeout " + cell.Timeout : "");
                var r = ps.Run(cell.PlacedFirst ? "$c = $args | New-RingOutCall; $c | " + wait : "$args | New-RingOutCall | " + wait, Numbers.Cast<object>().ToArray());
                var stats = ps.Ok(@"$e = $s.Emulator
                    $e.Statistics.CallsCreated
                    $e.Statistics.Count('POST', 'ring-out')
                    $e.Statistics.Count('GET', 'ring-out')
                    $e.Statistics.TooManyRequestsSent
                    $e.Clock.Elapsed.TotalSeconds
                    $e.Statistics.Count('POST', 'token')
                    $e.Calls | ForEach-Object { '{0} {1}' -f $_.Id, $_.To }
                    if ($global:drops) { $global:drops.Dispose() }");
                var created = (long)stats[0].BaseObject;
                var posts = (long)stats[1].BaseObject;
                var gets = (long)stats[2].BaseObject;
                var tooMany = (long)stats[3].BaseObject;
                var seconds = (double)stats[4].BaseObject;
                var tokens = (long)stats[5].BaseObject;
                var calls = stats.Skip(6).Select(o => o.ToString().Split(' ')).ToList();
                var createdIds = calls.Select(c => c[0]).ToHashSet();
                var duplicated = calls.Count - calls.Select(c => c[1]).Distinct().Count();

                var reported = r.Output.Select(o => o.Properties["Id"].Value.ToString()).ToHashSet();
                var unknown = r.Errors.Count(e => e.FullyQualifiedErrorId.StartsWith("RingOut.OutcomeUnknown"));
                var named = r.Errors.Select(e => e.TargetObject).OfType<object>().Select(t => PSObject.AsPSObject(t).Properties["Id"]?.Value?.ToString()).Where(id => id != null).ToHashSet();
                var unsettled = r.Output.Where(o => o.Properties["State"].Value.ToString() == "InProgress" && !named.Contains(o.Properties["Id"].Value.ToString())).ToList();
                var terminating = r.Errors.Any(e => e.FullyQualifiedErrorId.StartsWith("RingOut.SessionExpired,RingOut.PowerShell.Wait"));

                void Check(bool ok, string what) { if (!ok) failures.Add($"{cell.Name}: {what}"); }
                Check(duplicated == 0, "a number was called twice");
                Check(created <= Numbers.Length, $"{created} calls created for {Numbers.Length} rows");
                Check(reported.IsSubsetOf(createdIds), "a reported call was not created");
                Check(createdIds.Count - reported.Count <= unknown, $"{createdIds.Count - reported.Count} created calls not reported, {unknown} OutcomeUnknown errors");
                Check(unsettled.Count == 0 || cell.SessionDies, $"{unsettled.Count} calls written unsettled and not named in an error");
                Check(gets <= 15 * Numbers.Length, $"{gets} GETs for {Numbers.Length} calls");
                Check(posts <= created + 8, $"{posts} POSTs for {created} calls");
                Check(tokens <= 4, $"{tokens} token requests (a sign-in loop?)");
                // Placing twelve calls takes a minute of Heavy budget; the wait's time begins with the first.
                if (cell.Timeout > 0) Check(seconds <= cell.Timeout + 90, $"the run took {seconds:0} s for a -Timeout of {cell.Timeout}");
                if (cell.Reason != null) Check(r.Verbose.Any(v => v.Message.Contains(cell.Reason)) || r.Errors.Any(e => e.ToString().Contains(cell.Reason)), $"no word of \"{cell.Reason}\"");
                if (cell.SessionDies) Check(terminating, "a dead session did not end the run with RingOut.SessionExpired");
                else
                {
                    var rowErrors = r.Errors.Count(e => cell.RowError != null && e.FullyQualifiedErrorId.StartsWith(cell.RowError + ",") && e.TargetObject is string);
                    Check(created == Numbers.Length - cell.NotPlaced && rowErrors == cell.NotPlaced, $"{created} created, {rowErrors} rows refused");
                    Check(r.Errors.Count == unknown + (cell.RowError == "RingOut.OutcomeUnknown" ? 0 : cell.NotPlaced), $"errors: {string.Join("; ", r.Errors.Select(e => e.FullyQualifiedErrorId))}");
                }

                rows.Add($"| {cell.Name,-30} | {Numbers.Length,5} | {created,7} | {reported.Count,8} | {unknown,7} | {posts,5} | {gets,4} | {tooMany,4} | {r.Errors.Count,6} | {seconds,8:0} |");
            }
            _out.WriteLine("| fault                          | calls | created | reported | unknown | POSTs | GETs |  429 | errors | virtual s |");
            _out.WriteLine("|--------------------------------|-------|---------|----------|---------|-------|------|------|--------|-----------|");
            foreach (var row in rows) _out.WriteLine(row);
            Assert.True(failures.Count == 0, string.Join("\n", failures) + "\n" + string.Join("\n", rows));
        }
    }
}
