using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Runtime.CompilerServices;
using System.Threading;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>What the completers know of a session: its forwarding numbers (read once) and the calls placed in it.</summary>
    internal sealed class SessionMemory
    {
        private static readonly ConditionalWeakTable<RingCentralSession, SessionMemory> Table = new ConditionalWeakTable<RingCentralSession, SessionMemory>();
        private readonly object _gate = new object();
        private readonly LinkedList<RingOutCall> _recent = new LinkedList<RingOutCall>();
        private IReadOnlyList<ForwardingNumber> _forwarding;

        public static SessionMemory Of(RingCentralSession session) => Table.GetValue(session, _ => new SessionMemory());

        public const int RecentCallsKept = 100;

        public void Placed(RingOutCall call)
        {
            lock (_gate)
            {
                _recent.AddFirst(call);
                while (_recent.Count > RecentCallsKept) _recent.RemoveLast();
            }
        }

        public IReadOnlyList<RingOutCall> RecentCalls { get { lock (_gate) return _recent.ToArray(); } }

        /// <summary>The forwarding numbers, read from RingCentral the first time and kept for the session's life.</summary>
        public IReadOnlyList<ForwardingNumber> ForwardingNumbers(RingCentralSession session, CancellationToken ct)
        {
            var known = Volatile.Read(ref _forwarding);
            if (known != null) return known;
            var read = session.GetForwardingNumbersAsync(ct).GetAwaiter().GetResult();
            Volatile.Write(ref _forwarding, read);
            return read;
        }

        public void Remember(IReadOnlyList<ForwardingNumber> numbers) => Volatile.Write(ref _forwarding, numbers);
    }

    internal static class Completion
    {
        public static IEnumerable<CompletionResult> Matching(string typed, IEnumerable<(string value, string tip)> candidates)
        {
            var word = (typed ?? "").Trim('\'', '"');
            return candidates
                .Where(c => c.value.StartsWith(word, StringComparison.OrdinalIgnoreCase) || c.tip.IndexOf(word, StringComparison.OrdinalIgnoreCase) >= 0)
                .Select(c => new CompletionResult(Quote(c.value), c.value, CompletionResultType.ParameterValue, c.tip));
        }

        private static string Quote(string value) => value.IndexOfAny(new[] { ' ', '+', '(', ')', ';' }) >= 0 ? "'" + value + "'" : value;

        /// <summary>Completion must never fail or hang the prompt: a slow or broken session completes nothing.</summary>
        public static IEnumerable<(string, string)> Forwarding(Func<ForwardingNumber, (string, string)> shape)
        {
            var session = SessionStore.Current;
            if (session == null || !session.IsConnected) return Enumerable.Empty<(string, string)>();
            try
            {
                using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
                    return SessionMemory.Of(session).ForwardingNumbers(session, cts.Token).Select(shape).ToList();
            }
            catch (Exception) { return Enumerable.Empty<(string, string)>(); }
        }
    }

    /// <summary>Completes -From with the session's forwarding numbers.</summary>
    public sealed class ForwardingNumberCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
            Completion.Matching(wordToComplete, Completion.Forwarding(f => (f.PhoneNumber, $"{f.Label} ({f.Type}) {f.PhoneNumber}")));
    }

    /// <summary>Completes -ForwardingNumberId with the session's forwarding-number ids.</summary>
    public sealed class ForwardingNumberIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
            Completion.Matching(wordToComplete, Completion.Forwarding(f => (f.Id, $"{f.Label} {f.PhoneNumber}")));
    }

    /// <summary>Completes -Id with the calls placed in this session, newest first.</summary>
    public sealed class CallIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var session = SessionStore.Current;
            if (session == null) return Enumerable.Empty<CompletionResult>();
            return Completion.Matching(wordToComplete, SessionMemory.Of(session).RecentCalls.Select(c => (c.Id, $"to {c.To} at {c.PlacedAt:HH:mm:ss}")));
        }
    }

    /// <summary>The user's forwarding numbers: the phones RingOut can ring first.</summary>
    [Cmdlet(VerbsCommon.Get, "RingCentralForwardingNumber", HelpUri = "https://github.com/ringout/RingOut.PowerShell/blob/main/docs/RingOut/Get-RingCentralForwardingNumber.md")]
    [OutputType(typeof(ForwardingNumber))]
    public sealed class GetRingCentralForwardingNumberCommand : RingOutCmdlet
    {
        /// <summary>Only numbers whose label, number or type matches (wildcards allowed).</summary>
        [Parameter(Position = 0)]
        [SupportsWildcards]
        public string Name { get; set; }

        [Parameter]
        public RingCentralSession Session { get; set; }

        protected override void EndProcessing()
        {
            var session = RequireSession(Session);
            try
            {
                var numbers = Await(ct => session.GetForwardingNumbersAsync(ct));
                SessionMemory.Of(session).Remember(numbers);
                var pattern = string.IsNullOrEmpty(Name) ? null : new WildcardPattern(Name, WildcardOptions.IgnoreCase);
                foreach (var n in numbers)
                    if (pattern == null || pattern.IsMatch(n.Label ?? "") || pattern.IsMatch(n.PhoneNumber ?? "") || pattern.IsMatch(n.Type ?? ""))
                        WriteObject(n);
            }
            catch (Exception e) when (IsClientFailure(e))
            {
                Fail(e, Name);
            }
            base.EndProcessing();
        }
    }
}
