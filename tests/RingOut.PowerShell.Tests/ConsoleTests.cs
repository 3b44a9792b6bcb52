using System;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;
using Xunit.Abstractions;

namespace RingOut.PowerShell.Tests
{
    /// <summary>
    /// The console as a person sees it: the real pwsh inside tmux, 80 columns wide, typed into and read back with
    /// capture-pane. The waits are for what the screen shows, bounded; nothing sleeps a fixed time.
    /// </summary>
    [Collection("PowerShell")]
    public sealed class ConsoleTests : IDisposable
    {
        private const string Tmux = "/usr/bin/tmux";
        private readonly string _session = "ringout-" + Guid.NewGuid().ToString("N").Substring(0, 8);
        private readonly ITestOutputHelper _out;

        public ConsoleTests(ITestOutputHelper output) { _out = output; }

        private string[] Screen() =>
            RealPowerShell.Run(Tmux, new[] { "capture-pane", "-p", "-t", _session }, TimeSpan.FromSeconds(10)).Output.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();

        private void Type(string line) => RealPowerShell.Run(Tmux, new[] { "send-keys", "-t", _session, "-l", line }, TimeSpan.FromSeconds(10));
        private void Enter() => RealPowerShell.Run(Tmux, new[] { "send-keys", "-t", _session, "Enter" }, TimeSpan.FromSeconds(10));

        /// <summary>Reads the screen until it shows what is asked (at most <paramref name="limit"/>).</summary>
        private string[] WaitFor(Func<string[], bool> shows, TimeSpan limit, string what)
        {
            string[] screen = null;
            var shown = SpinWait.SpinUntil(() => shows(screen = Screen()), limit);
            Assert.True(shown, $"the screen never showed {what}:\n{string.Join("\n", screen ?? new string[0])}");
            return screen;
        }

        private static int Prompts(string[] screen) => screen.Count(l => l.StartsWith("PS "));

        /// <summary>pwsh in an 80-column tmux, the module imported and connected to the emulator on virtual time (two prompts shown).</summary>
        private void StartConnected([System.Runtime.CompilerServices.CallerMemberName] string test = "")
        {
            RealPowerShell.SkipUnlessFound("The console test", test);
            Debian.EnsureInstalled(Tmux, "tmux", "The console test");
            var started = RealPowerShell.Run(Tmux, new[] { "new-session", "-d", "-s", _session, "-x", "80", "-y", "40", RealPowerShell.Path + " -NoProfile" }, TimeSpan.FromSeconds(20));
            Assert.True(started.Code == 0, started.Output);
            WaitFor(s => Prompts(s) == 1, TimeSpan.FromSeconds(60), "a prompt");
            Type($"Import-Module '{PowerShellHost.ModuleManifest}'; Connect-RingCentral -Environment Emulator -VirtualTime"); Enter();
            WaitFor(s => Prompts(s) >= 2, TimeSpan.FromSeconds(60), "the prompt after connecting");
        }

        [SkippableFact]
        public void In_an_80_column_console_the_progress_and_the_final_table_render_whole()
        {
            StartConnected();
            Type("New-RingOutCall -To '+1 415 555 0123', '+16505550105' | Wait-RingOutCall -Until Ended"); Enter();
            var screen = WaitFor(s => Prompts(s) >= 3, TimeSpan.FromSeconds(60), "the prompt after the call");
            _out.WriteLine(string.Join("\n", screen));
            Assert.Contains(screen, l => l.StartsWith("Id ") && l.Contains(" State ") && l.Contains(" From ") && l.Contains(" To ") && l.Contains(" Result"));
            Assert.Contains(screen, l => l.Contains("Ended") && l.Contains("+14155550123") && l.Contains("Call connected"));
            // The emulator's international-disabled number: the leg's status whole, not "Internation…".
            Assert.Contains(screen, l => l.Contains("Failed") && l.Contains("+16505550105") && (l.Contains("InternationalDisabled") || l.Contains("International")));
            Assert.DoesNotContain(screen, l => l.Contains("…"));
            var table = screen.SkipWhile(l => !l.StartsWith("Id ")).TakeWhile(l => !l.StartsWith("PS ")).ToArray();

            // On the real clock the call takes half a minute: long enough to see the progress display.
            Type("Connect-RingCentral -Environment Emulator; New-RingOutCall -To '+1 415 555 0123' | Wait-RingOutCall -Until Ended"); Enter();
            screen = WaitFor(s => s.Any(l => l.TrimStart().StartsWith("Call to +14155550123 [")), TimeSpan.FromSeconds(60), "a call's progress");
            var during = screen;
            _out.WriteLine(string.Join("\n", screen));
            var parent = Assert.Single(screen, l => l.StartsWith("Waiting for RingOut calls ["));
            Assert.Matches(@"\[0 of 1 settled; waiting for 1 to be over *\]$", parent);
            var child = Assert.Single(screen, l => l.TrimStart().StartsWith("Call to +14155550123 ["));
            Assert.Matches(@"\[caller \w+, callee \w+ *\]$", child); // whole: no … in place of the end
            screen = WaitFor(s => Prompts(s) >= 4, TimeSpan.FromSeconds(90), "the prompt after the real-clock call");
            Assert.Equal(2, screen.Count(l => l.Contains("Ended") && l.Contains("+14155550123")));
            Assert.All(screen, l => Assert.True(l.Length <= 80, l));
            // What a user sees, kept where users read it: docs/console.txt (the screen during the wait, and after it)
            // and the README's table, both written here from the screen (commit them when they change).
            File.WriteAllText(Path.Combine(PowerShellHost.RepositoryRoot, "docs", "console.txt"),
                string.Join("\n", during).TrimEnd() + "\n\n--- the same terminal when the call is over ---\n\n" + string.Join("\n", screen).TrimEnd() + "\n");
            var readme = Path.Combine(PowerShellHost.RepositoryRoot, "README.md");
            var text = File.ReadAllText(readme);
            var capture = System.Text.RegularExpressions.Regex.Match(text, @"(<!-- console: written by ConsoleTests -->\n```text\n)(.*?)(```\n)", System.Text.RegularExpressions.RegexOptions.Singleline);
            Assert.True(capture.Success, "README.md has no console capture block");
            File.WriteAllText(readme, text.Substring(0, capture.Groups[2].Index) + string.Join("\n", table).TrimEnd() + "\n" + text.Substring(capture.Groups[3].Index));
        }

        [SkippableFact]
        public void Hanging_up_many_calls_offers_Yes_to_All_and_asks_once()
        {
            StartConnected();
            Type("$c = New-RingOutCall '+14155550123', '+14155550124', '+14155550125' | Wait-RingOutCall; clear"); Enter();
            WaitFor(s => Prompts(s) == 1, TimeSpan.FromSeconds(60), "the prompt after the calls connected");
            Type("$c | Stop-RingOutCall -PassThru | Format-Table Id, State"); Enter();
            var asked = WaitFor(s => s.Any(l => l.Contains("[A] Yes to All")), TimeSpan.FromSeconds(60), "a question with [A] Yes to All");
            _out.WriteLine(string.Join("\n", asked));
            Type("A"); Enter();
            var screen = WaitFor(s => Prompts(s) >= 2, TimeSpan.FromSeconds(60), "the prompt after hanging up");
            _out.WriteLine(string.Join("\n", screen));
            Assert.Equal(1, screen.Count(l => l.Contains("[A] Yes to All")));
            Assert.Equal(3, screen.Count(l => l.TrimEnd().EndsWith(" Ended")));
        }

        public void Dispose() => RealPowerShell.Run(Tmux, new[] { "kill-session", "-t", _session }, TimeSpan.FromSeconds(10));
    }
}
