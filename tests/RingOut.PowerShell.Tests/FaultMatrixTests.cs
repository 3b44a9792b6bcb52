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
        private sealed record Cell(string Name, string Inject, bool SessionDies = false, int NotPlaced = 0, string RowError = null, string Via = "Polling");

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
        };

        private static readonly string[] Numbers =
            Enumerable.Range(0, 9).Select(i => "+1415555" + (2000 + i)).Concat(new[] { "+16505550101", "+16505550102", "+16505550106" }).ToArray();

        [Fact]
        public void Every_fault_keeps_every_call_reported_placed_once_and_settled_or_named()
        {
            var rows = new List<string>();
            var failures = new List<string>();
            foreach (var cell in Cells)
            {
                using var ps = new PowerShellHost();
                ps.Ok("$global:s = Connect-RingCentral -Environment Emulator -VirtualTime -PassThru; $global:f = $s.Emulator.Faults; " + cell.Inject);
                var r = ps.Run("$args | New-RingOutCall | Wait-RingOutCall -Via " + cell.Via, Numbers.Cast<object>().ToArray());
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
