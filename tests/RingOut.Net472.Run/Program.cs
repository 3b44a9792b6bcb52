using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Runtime.InteropServices;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client;
using RingOut.Emulator;

namespace RingOut.Net472.Run
{
    /// <summary>
    /// Drives the client end to end on a .NET Framework runtime: connect, place, read, cancel, follow by events and by
    /// polling, the call log, disconnect. First against the emulator whose address and credentials are in
    /// RC_SERVER_URL, RC_APP_CLIENT_ID, RC_APP_CLIENT_SECRET and RC_USER_JWT (the emulator server prints them), over
    /// the network transport; then against the emulator in-process, as Connect-RingCentral -Environment Emulator runs
    /// it. One "ok" line per step; exit code 0 when every step did what it should, 1 (with the failure) when one did not.
    /// </summary>
    internal static class Program
    {
        private static int Main()
        {
            try
            {
                using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
                Console.WriteLine($"runtime: {RuntimeInformation.FrameworkDescription}; CLR {Environment.Version}; {RuntimeInformation.OSDescription}");
                RunAsync("loopback", new RingCentralConnectOptions
                {
                    Server = new Uri(Variable("RC_SERVER_URL")),
                    EnvironmentName = "Emulator",
                    ClientId = Variable("RC_APP_CLIENT_ID"),
                    ClientSecret = Secure(Variable("RC_APP_CLIENT_SECRET")),
                    Jwt = Secure(Variable("RC_USER_JWT")),
                }, cancel.Token).GetAwaiter().GetResult();
                var emulator = new RingCentralEmulator(EmulatorOptions.Fast(), TimeProvider.System);
                RunAsync("in-process", new RingCentralConnectOptions
                {
                    Server = RingCentralEmulator.InProcessBaseUri,
                    EnvironmentName = "Emulator",
                    Transport = emulator.CreateHandler,
                    EventSocket = RingOut.PowerShell.InProcessEventSocket.For(emulator),
                    ClientId = DemoAccount.ClientId,
                    ClientSecret = Secure(DemoAccount.ClientSecret),
                    Jwt = Secure(DemoAccount.UserJwt),
                }, cancel.Token).GetAwaiter().GetResult();
                Console.WriteLine("PASSED");
                return 0;
            }
            catch (Exception e)
            {
                Console.WriteLine("FAILED: " + e);
                return 1;
            }
        }

        private static string _mode = "";

        private static void Ok(string what) => Console.WriteLine($"ok {_mode}: {what}");

        private static void Check(bool condition, string what)
        {
            if (!condition) throw new InvalidOperationException(what);
        }

        private static string Variable(string name) =>
            Environment.GetEnvironmentVariable(name) is string value && value.Length > 0 ? value : throw new InvalidOperationException(name + " is not set");

        private static SecureString Secure(string text)
        {
            var s = new SecureString();
            foreach (var c in text) s.AppendChar(c);
            s.MakeReadOnly();
            return s;
        }

        private static async Task RunAsync(string mode, RingCentralConnectOptions options, CancellationToken ct)
        {
            _mode = mode;
            using var session = await RingCentralSession.ConnectAsync(options, ct).ConfigureAwait(false);
            Check(session.IsConnected && session.ExtensionId != null, "the session has no extension");
            Ok($"connect (extension {session.ExtensionId}, home country {session.HomeCountry})");
            Check((ServicePointManager.SecurityProtocol & SecurityProtocolType.Tls12) != 0 || ServicePointManager.SecurityProtocol == SecurityProtocolType.SystemDefault,
                $"TLS 1.2 is not allowed: ServicePointManager.SecurityProtocol is {ServicePointManager.SecurityProtocol}");
            Ok($"TLS: ServicePointManager.SecurityProtocol is {ServicePointManager.SecurityProtocol}");

            var forwarding = await session.GetForwardingNumbersAsync(ct).ConfigureAwait(false);
            Check(forwarding.Count > 0, "no forwarding number");
            Ok($"forwarding numbers ({forwarding.Count})");

            var since = DateTimeOffset.UtcNow.AddMinutes(-1);
            var placed = await session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123" }, ct).ConfigureAwait(false);
            Check(!string.IsNullOrEmpty(placed.Id), "the placed call has no id");
            Ok($"place (call {placed.Id}, {placed.State})");

            var read = await session.GetCallAsync(placed.Id, cancellationToken: ct).ConfigureAwait(false);
            Check(read.Id == placed.Id, "read back another call");
            Ok($"read ({read.State})");

            var ringing = await session.PlaceCallAsync(new RingOutCallRequest { To = "+16505550106" }, ct).ConfigureAwait(false); // rings long
            await session.CancelCallAsync(ringing.Id, cancellationToken: ct).ConfigureAwait(false);
            var cancelled = await session.GetCallAsync(ringing.Id, cancellationToken: ct).ConfigureAwait(false);
            Check(cancelled.State != RingOutCallState.InProgress && cancelled.State != RingOutCallState.Connected, $"the cancelled call is {cancelled.State}");
            Ok($"cancel ({cancelled.State})");

            // Each to a number of its own, so that each call's telephony session and call log record can be only its own.
            var byEvents = await FollowAsync(session, "+14155550124", RingOutFollowMode.Events, ct).ConfigureAwait(false);
            Ok($"follow by events ({byEvents.State}, {byEvents.Outcome})");
            var byPolling = await FollowAsync(session, "+14155550125", RingOutFollowMode.Polling, ct).ConfigureAwait(false);
            Ok($"follow by polling ({byPolling.State}, {byPolling.Outcome})");

            var log = await session.GetCallLogAsync(since, cancellationToken: ct).ConfigureAwait(false);
            Check(log.Count > 0, "the call log is empty");
            Ok($"call log ({log.Count} records)");

            Check(session.UnknownOutcomes.Count == 0, "a call's outcome is unknown");
            await session.DisconnectAsync(ct).ConfigureAwait(false);
            Check(!session.IsConnected, "still connected after DisconnectAsync");
            Ok("disconnect");
        }

        /// <summary>Places a call that connects and follows it to its end the way asked; the call's final snapshot.</summary>
        private static async Task<RingOutCall> FollowAsync(RingCentralSession session, string to, RingOutFollowMode mode, CancellationToken ct)
        {
            var call = await session.PlaceCallAsync(new RingOutCallRequest { To = to }, ct).ConfigureAwait(false);
            var watcher = new CallWatcher(TimeProvider.System, TimeSpan.FromSeconds(1), RingOutWaitCondition.Ended) { Follow = mode };
            var settled = new List<RingOutCall>();
            if (!watcher.Add(call)) settled.Add(call);
            while (watcher.PendingCount > 0)
            {
                var round = await watcher.NextAsync(null, ct).ConfigureAwait(false);
                if (round.Failures.Count > 0) throw new InvalidOperationException("following failed", round.Failures[0].Value);
                if (round.SessionEnded != null) throw new InvalidOperationException("the session ended", round.SessionEnded);
                settled.AddRange(round.Settled);
            }
            Check(watcher.EventsUnavailable == null || mode == RingOutFollowMode.Polling, "events unavailable: " + watcher.EventsUnavailable);
            var end = settled.Single();
            Check(end.State == RingOutCallState.Ended && end.Duration != null, $"followed by {mode}, the call is {end.State} ({end.Outcome})");
            Check(mode != RingOutFollowMode.Events || end.TelephonySessionId != null, "followed by events, the call has no telephony session");
            return end;
        }
    }
}
