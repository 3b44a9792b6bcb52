using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using Xunit;

namespace RingOut.PowerShell.Tests
{
    /// <summary>
    /// A question waits for a person while RingCentral's clock runs on: a call asked about can end by itself before the
    /// answer. Answering Yes to hang up such a call then says that it ended, and is no error (issue 26).
    /// </summary>
    [Collection("PowerShell")]
    public sealed class PromptTests
    {
        /// <summary>A host whose user answers every choice with its default, after <see cref="WhileAsked"/> (the time the person takes).</summary>
        private sealed class AnsweringHost : PSHost
        {
            private readonly AnsweringUI _ui;
            public AnsweringHost() { _ui = new AnsweringUI(this); }
            public Action WhileAsked { get; set; } = () => { };
            public List<string> Questions { get; } = new List<string>();
            /// <summary>The choice given at each question (such as 3, No to All, at -Confirm's); absent: the default.</summary>
            public int? Answer { get; set; }
            /// <summary>What was written to the host (-WhatIf's "What if:" lines among them).</summary>
            public List<string> Lines { get; } = new List<string>();
            public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
            public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
            public override Guid InstanceId { get; } = Guid.NewGuid();
            public override string Name => "AnsweringHost";
            public override PSHostUserInterface UI => _ui;
            public override Version Version => new Version(1, 0);
            public override void EnterNestedPrompt() { }
            public override void ExitNestedPrompt() { }
            public override void NotifyBeginApplication() { }
            public override void NotifyEndApplication() { }
            public override void SetShouldExit(int exitCode) { }

            private sealed class AnsweringUI : PSHostUserInterface
            {
                private readonly AnsweringHost _host;
                public AnsweringUI(AnsweringHost host) { _host = host; }
                public override PSHostRawUserInterface RawUI => null;
                public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
                {
                    _host.Questions.Add(message);
                    _host.WhileAsked();
                    return _host.Answer ?? defaultChoice;
                }
                public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw new NotSupportedException();
                public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();
                public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();
                public override string ReadLine() => throw new NotSupportedException();
                public override SecureString ReadLineAsSecureString() => throw new NotSupportedException();
                public override void Write(string value) { }
                public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) { }
                public override void WriteDebugLine(string message) { }
                public override void WriteErrorLine(string value) { }
                public override void WriteLine(string value) => _host.Lines.Add(value);
                public override void WriteProgress(long sourceId, ProgressRecord record) { }
                public override void WriteVerboseLine(string message) { }
                public override void WriteWarningLine(string message) { }
            }
        }

        [Fact]
        public void A_call_that_ends_while_the_hang_up_question_waits_is_said_to_have_ended_not_an_error()
        {
            var host = new AnsweringHost();
            using var ps = new PowerShellHost(host: host);
            ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime");
            var clock = ps.Ok("(Get-RingCentralSession).Emulator.Clock")[0].BaseObject;
            var call = ps.Ok("New-RingOutCall -To '+14155550123' | Wait-RingOutCall -Until Connected")[0];
            Assert.Equal("Connected", call.Properties["State"].Value.ToString());

            // The person reads the question for ten minutes: the call (twenty seconds long) ends meanwhile.
            host.WhileAsked = () => clock.GetType().GetMethod("Advance").Invoke(clock, new object[] { TimeSpan.FromMinutes(10) });
            var r = ps.Run("$args[0] | Stop-RingOutCall", call);

            Assert.Single(host.Questions);
            Assert.Empty(r.Errors);
            var warning = Assert.Single(r.Warnings);
            Assert.Contains("ended by itself while the question waited", warning.Message);
        }

        [Fact]
        public void A_rerun_offers_at_WhatIf_and_Confirm_only_the_rows_it_would_place_and_a_declined_row_is_reported()
        {
            var host = new AnsweringHost();
            using var ps = new PowerShellHost(host: host);
            var dir = System.IO.Directory.CreateTempSubdirectory("ringout-prompt-").FullName;
            try
            {
                ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime");
                var journal = System.IO.Path.Combine(dir, "calls.journal");
                const string Rows = "[pscustomobject]@{ To = '+14155550123' }, [pscustomobject]@{ To = '+14155550124' }";
                Assert.Equal(2, ps.Ok(Rows + " | Invoke-RingOutBatch -JournalPath $args[0]", journal).Count);

                // -WhatIf: the journal holds both rows, so neither is said to be placed.
                ps.Ok(Rows + " | Invoke-RingOutBatch -JournalPath $args[0] -WhatIf", journal);
                Assert.DoesNotContain(host.Lines, l => l.Contains("Place RingOut call"));
                Assert.Equal(2, host.Lines.Count(l => l.Contains("from the journal") && l.Contains("not placed again")));

                // -Confirm answered No to All: nothing was asked (nothing would be placed) and the report is written.
                host.Answer = 3;
                var r = ps.Run(Rows + " | Invoke-RingOutBatch -JournalPath $args[0] -Confirm", journal);
                Assert.Empty(host.Questions);
                Assert.Equal(new[] { "Ended", "Ended" }, r.Output.Select(o => o.Properties["State"].Value.ToString()));

                // A fresh run declined at -Confirm still reports its row.
                r = ps.Run("[pscustomobject]@{ To = '+14155550125' } | Invoke-RingOutBatch -JournalPath $args[0] -Confirm", System.IO.Path.Combine(dir, "other.journal"));
                Assert.Single(host.Questions);
                var row = Assert.Single(r.Output);
                Assert.Contains("declined", row.Properties["Error"].Value.ToString());
                Assert.Equal(0L, (long)ps.Ok("(Get-RingCentralSession).Emulator.Statistics.Count('POST', 'ring-out')")[0].BaseObject - 2);
            }
            finally { System.IO.Directory.Delete(dir, recursive: true); }
        }

        [Fact]
        public void WhatIf_on_a_connected_call_names_the_hang_up_and_a_ringing_one_the_cancel()
        {
            var host = new AnsweringHost();
            using var ps = new PowerShellHost(host: host);
            ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime");
            var call = ps.Ok("New-RingOutCall -To '+14155550123' | Wait-RingOutCall -Until Connected")[0];
            var r = ps.Run("$args[0] | Stop-RingOutCall -WhatIf", call);
            Assert.Empty(r.Errors);
            var said = Assert.Single(host.Lines, l => l.StartsWith("What if:"));
            Assert.Contains("Hang up through Call Control", said);
            Assert.DoesNotContain("\"Cancel\"", said);
            Assert.Equal("Connected", ps.Ok("$args[0] | Get-RingOutCall", call)[0].Properties["State"].Value.ToString());

            host.Lines.Clear();
            var ringing = ps.Ok("New-RingOutCall -To '+14155550124'")[0];
            ps.Ok("$args[0] | Stop-RingOutCall -WhatIf", ringing);
            Assert.Contains("\"Cancel\"", Assert.Single(host.Lines, l => l.StartsWith("What if:")));
        }
    }
}
