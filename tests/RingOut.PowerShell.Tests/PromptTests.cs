using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
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
                    return defaultChoice;
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
                public override void WriteLine(string value) { }
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
    }
}
