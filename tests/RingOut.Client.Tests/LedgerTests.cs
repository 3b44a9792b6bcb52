using System;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client.Http;
using RingOut.Emulator;
using Xunit;
using Xunit.Abstractions;

namespace RingOut.Client.Tests
{
    /// <summary>Issue 25: the shared ledger on a shared computer.</summary>
    public sealed class LedgerTests
    {
        private readonly ITestOutputHelper _out;
        public LedgerTests(ITestOutputHelper output) { _out = output; }

        private static string NewFolder()
        {
            var dir = Path.Combine(Path.GetTempPath(), "ringout-test-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            return dir;
        }

        private static RateHeaders Limit(int limit) => new RateHeaders { Limit = limit, Remaining = limit, Window = TimeSpan.FromSeconds(60) };

        [Fact]
        public async Task Five_budgets_that_hold_the_file_as_processes_do_lose_no_slot()
        {
            var dir = NewFolder();
            try
            {
                var file = Path.Combine(dir, "x.ledger");
                var clock = new VirtualClock();
                // Each with a gate of its own: they take turns at the file's lock only, as processes do.
                var budgets = Enumerable.Range(0, 5).Select(_ => { var b = new RateBudget(clock); b.ObserveAsync(RateGroup.Light, Limit(1000), 200, CancellationToken.None).Wait(); Assert.True(b.ShareThroughAsync(new SharedRateLedger(file, ownGate: true), CancellationToken.None).Result); return b; }).ToArray();
                await Task.WhenAll(budgets.Select(b => Task.Run(async () =>
                {
                    for (var i = 0; i < 12; i++)
                    {
                        var slot = await b.TakeAsync(RateGroup.Light, CancellationToken.None);
                        await b.AnsweredAsync(RateGroup.Light, slot, CancellationToken.None);
                    }
                })));
                var kept = File.ReadAllLines(file).Count(l => l.StartsWith("Light sent ", StringComparison.Ordinal));
                _out.WriteLine($"{kept} slots kept of 60");
                Assert.Equal(60, kept);
                Assert.All(budgets, b => Assert.Equal(file, b.SharedThrough));
            }
            finally { Directory.Delete(dir, true); }
        }

        private static readonly Uri Server = new Uri("https://platform.ringcentral.com");

        [Fact]
        public void Without_a_folder_of_the_users_own_there_is_no_default_ledger_and_never_one_in_the_shared_temporary_folder()
        {
            Assert.Null(SharedRateLedger.Default(Server, "app", "sub:1", root: ""));
            var ledger = SharedRateLedger.Default(Server, "app", "sub:1", root: "/home/someone/.local/share");
            Assert.StartsWith("/home/someone/.local/share/RingOut/rate-limits/", ledger!.Path);
            // Named before signing in, by the JWT's subject: the same for every process of the user and app.
            var jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI4NTA5NTcwMjAiLCJpc3MiOiJyaW5nb3V0LWVtdWxhdG9yIn0.ZGVtby11c2VyLWp3dA";
            Assert.Equal("sub:850957020", SharedRateLedger.UserOf(jwt));
            // A credential that does not read as a JWT: a hash of it, in which it does not stand.
            var opaque = SharedRateLedger.UserOf("not-a-jwt-but-a-secret");
            Assert.DoesNotContain("not-a-jwt", opaque);
            Assert.Equal(opaque, SharedRateLedger.UserOf("not-a-jwt-but-a-secret"));
        }

        [Fact]
        public async Task The_default_ledgers_folders_are_private_even_when_they_were_made_open()
        {
            // Unix permissions (this suite runs on Linux); on Windows the folder inherits the profile's ACL.
            Assert.False(OperatingSystem.IsWindows(), "Unix permissions are tested on Unix");
            var root = NewFolder();
            try
            {
                // Made by an older version, or under umask 000.
                Directory.CreateDirectory(Path.Combine(root, "RingOut"));
                File.SetUnixFileMode(Path.Combine(root, "RingOut"), (UnixFileMode)0x1FF);
                var ledger = SharedRateLedger.Default(Server, "app", "sub:1", root)!;
                var budget = new RateBudget(new VirtualClock());
                Assert.True(await budget.ShareThroughAsync(ledger, CancellationToken.None));
                await budget.TakeAsync(RateGroup.Heavy, CancellationToken.None);
                var owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
                Assert.Equal(owner, File.GetUnixFileMode(Path.Combine(root, "RingOut")));
                Assert.Equal(owner, File.GetUnixFileMode(Path.Combine(root, "RingOut", "rate-limits")));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ledger.Path));
            }
            finally { Directory.Delete(root, true); }
        }

        [Fact]
        public async Task A_link_at_the_ledgers_place_is_refused_and_its_target_left_as_it_was()
        {
            var dir = NewFolder();
            try
            {
                var target = Path.Combine(dir, "precious.txt");
                File.WriteAllText(target, "not the ledger's");
                var file = Path.Combine(dir, "x.ledger");
                File.CreateSymbolicLink(file, target);
                var warnings = new System.Collections.Generic.List<string>();
                var budget = new RateBudget(new VirtualClock()) { Warn = m => { warnings.Add(m); return true; } };
                Assert.False(budget.ShareThrough(file));
                await budget.TakeAsync(RateGroup.Heavy, CancellationToken.None);
                Assert.Null(budget.SharedThrough);
                Assert.Equal("not the ledger's", File.ReadAllText(target));
                Assert.Contains("link", Assert.Single(warnings));
            }
            finally { Directory.Delete(dir, true); }
        }

        [Fact]
        public async Task Values_in_the_file_beyond_belief_are_left_out_not_thrown_or_spread()
        {
            var dir = NewFolder();
            try
            {
                var file = Path.Combine(dir, "x.ledger");
                var clock = new VirtualClock();
                var now = clock.GetUtcNow();
                var tenYears = now.AddYears(10).UtcTicks;
                File.WriteAllText(file,
                    $"Heavy blocked {tenYears}\n" +
                    string.Concat(Enumerable.Range(1, 10).Select(i => $"Heavy sent {i} {now.AddYears(1).UtcTicks + i}\n")) +
                    $"Light blocked {DateTimeOffset.MaxValue.UtcTicks}\nLight sent 99 {DateTimeOffset.MaxValue.UtcTicks}\nLight sent -5 {DateTimeOffset.MinValue.UtcTicks}\nAuth sent x y\n");
                var budget = new RateBudget(clock);
                Assert.True(budget.ShareThrough(file));
                Assert.Equal(TimeSpan.Zero, budget.EstimateTime(RateGroup.Heavy, 1));
                var started = clock.GetUtcNow();
                var slot = await budget.TakeAsync(RateGroup.Heavy, CancellationToken.None);
                await budget.AnsweredAsync(RateGroup.Heavy, slot, CancellationToken.None);
                await budget.TakeAsync(RateGroup.Light, CancellationToken.None);
                Assert.Equal(started, clock.GetUtcNow());
                // Written back without them: no other process is held up by them either.
                var lines = File.ReadAllLines(file);
                Assert.DoesNotContain(lines, l => l.Contains(tenYears.ToString()) || l.Contains(DateTimeOffset.MaxValue.UtcTicks.ToString()));
                Assert.Single(lines, l => l.StartsWith("Heavy sent ", StringComparison.Ordinal));
            }
            finally { Directory.Delete(dir, true); }
        }

        [Fact]
        public async Task A_file_held_by_another_process_is_waited_for_then_after_too_long_the_budget_paces_alone_says_so_once_and_joins_again()
        {
            Assert.True(File.Exists("/usr/bin/flock"), "the other process is flock(1), of util-linux");
            var dir = NewFolder();
            try
            {
                var file = Path.Combine(dir, "x.ledger");
                File.WriteAllText(file, "");
                var clock = new VirtualClock();
                var warnings = new System.Collections.Generic.List<string>();
                var budget = new RateBudget(clock) { Warn = m => { warnings.Add(m); return true; } };
                Assert.True(budget.ShareThrough(file));

                // Another process holds the file (as an antivirus scan does on Windows, where the share lock is
                // mandatory; .NET's FileShare.None is an flock on Unix): a request waits for it, then goes, shared.
                using (var holder = Hold(file))
                {
                    var taking = budget.TakeAsync(RateGroup.Heavy, CancellationToken.None);
                    Assert.False(taking.IsCompleted);
                    holder.Release();
                    await taking.WaitAsync(TimeSpan.FromSeconds(30));
                }
                Assert.Equal(file, budget.SharedThrough);
                Assert.Empty(warnings);

                // Held for longer than the budget's patience: it paces alone and says so, once.
                var shared = new SharedRateLedger(file) { Patience = TimeSpan.FromMilliseconds(200) };
                Assert.True(await budget.ShareThroughAsync(shared, CancellationToken.None));
                using (var holder = Hold(file))
                {
                    await budget.TakeAsync(RateGroup.Heavy, CancellationToken.None);
                    await budget.TakeAsync(RateGroup.Heavy, CancellationToken.None);
                    Assert.Null(budget.SharedThrough);
                    holder.Release();
                }
                Assert.Contains("paces alone", Assert.Single(warnings));
                // A minute on, it joins the file again with what it sent meanwhile.
                clock.Advance(RateBudget.RetryShared);
                await budget.TakeAsync(RateGroup.Heavy, CancellationToken.None);
                Assert.Equal(file, budget.SharedThrough);
                Assert.Equal(4, File.ReadAllLines(file).Count(l => l.StartsWith("Heavy sent ", StringComparison.Ordinal)));
                Assert.Single(warnings);
            }
            finally { Directory.Delete(dir, true); }
        }

        /// <summary>Another process that holds the file exclusively until released.</summary>
        private static Holder Hold(string file) => new Holder(file);

        private sealed class Holder : IDisposable
        {
            private readonly System.Diagnostics.Process _process;
            public Holder(string file)
            {
                _process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/flock", new[] { "-x", file, "-c", "echo held; cat" })
                    { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false })!;
                Assert.Equal("held", _process.StandardOutput.ReadLine());
            }
            public void Release() { _process.StandardInput.Close(); _process.WaitForExit(30_000); }
            public void Dispose() { if (!_process.HasExited) Release(); _process.Dispose(); }
        }
    }
}
