using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using RingOut.Client;

namespace RingOut.PowerShell
{
    internal static class Completion
    {
        private static readonly char[] NeedQuotes = { ' ', '+', '(', ')', ';' };
        public static IEnumerable<CompletionResult> Matching(string typed, IEnumerable<(string value, string tip)> candidates)
        {
            var word = (typed ?? "").Trim('\'', '"');
            return candidates
                .Where(c => c.value.StartsWith(word, StringComparison.OrdinalIgnoreCase) || c.tip.IndexOf(word, StringComparison.OrdinalIgnoreCase) >= 0)
                .Select(c => new CompletionResult(Quote(c.value), c.value, CompletionResultType.ParameterValue, c.tip));
        }

        private static string Quote(string value) => value.IndexOfAny(NeedQuotes) >= 0 ? "'" + value + "'" : value;

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
            Completion.Matching(wordToComplete, Completion.Forwarding(f => (f.PhoneNumber ?? "", $"{f.Label} ({f.Type}) {f.PhoneNumber}")));
    }

    /// <summary>Completes -ForwardingNumberId with the session's forwarding-number ids.</summary>
    public sealed class ForwardingNumberIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
            Completion.Matching(wordToComplete, Completion.Forwarding(f => (f.Id ?? "", $"{f.Label} {f.PhoneNumber}")));
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
}
