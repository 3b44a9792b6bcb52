using System;
using System.Collections.Generic;
using System.Linq;

namespace RingOut.Client
{
    /// <summary>
    /// Links RingOut calls to call log records. Neither carries the other's id, so the link is made from what both
    /// know: a RingOut record (action "RingOut …"), the number called (and the number rung first, when the call
    /// named one), and the time: placed within <see cref="Window"/> of the record's start. Calls to one number are
    /// paired with its records in order of time. When two calls to one number were placed within
    /// <see cref="SameMoment"/> of each other and their records tell different stories, the order cannot be trusted:
    /// both are reported as ambiguous, never guessed. A pure function: no clock, no I/O.
    /// </summary>
    public static class CallLogMatcher
    {
        /// <summary>How far a record's start may be from the moment the client saw the call placed (clock skew, set-up).</summary>
        public static readonly TimeSpan Window = TimeSpan.FromMinutes(2);
        /// <summary>Calls to one number placed closer than this cannot be told apart by time.</summary>
        public static readonly TimeSpan SameMoment = TimeSpan.FromSeconds(2);

        /// <summary>What became of one call.</summary>
        public sealed class Match
        {
            internal Match(RingOutCall call, CallLogRecord? record, string? ambiguity) { Call = call; Record = record; Ambiguity = ambiguity; }
            public RingOutCall Call { get; }
            /// <summary>Its record; null when none was found (yet) or when it is ambiguous.</summary>
            public CallLogRecord? Record { get; }
            /// <summary>Why the call cannot be linked to one record; null otherwise.</summary>
            public string? Ambiguity { get; }
        }

        public static IReadOnlyList<Match> Link(IReadOnlyList<RingOutCall> calls, IReadOnlyList<CallLogRecord> records)
        {
            var result = new List<Match>(calls.Count);
            var candidates = records.Where(r => r.IsRingOut && !string.Equals(r.Direction, "Inbound", StringComparison.OrdinalIgnoreCase) && r.To != null)
                .GroupBy(r => Digits(r.To)).ToDictionary(g => g.Key, g => g.OrderBy(r => r.StartTime).ToList());
            foreach (var group in calls.GroupBy(c => Digits(c.To)))
            {
                var ordered = group.OrderBy(c => c.PlacedAt).ToList();
                candidates.TryGetValue(group.Key ?? "", out var pool);
                var used = new HashSet<CallLogRecord>();
                var paired = new CallLogRecord?[ordered.Count];
                // Nearest first: each record goes to the call placed closest to its start, so that a call whose own
                // record is missing (over, among the active calls) is never given a later call's.
                var pairs = pool == null ? Enumerable.Empty<(int call, CallLogRecord record)>()
                    : Enumerable.Range(0, ordered.Count).SelectMany(i => pool
                        .Where(r => Within(r, ordered[i]) && (ordered[i].From == null || r.From == null || Digits(r.From) == Digits(ordered[i].From)))
                        .Select(r => (call: i, record: r)));
                foreach (var (i, r) in pairs.OrderBy(p => (p.record.StartTime - ordered[p.call].PlacedAt).Duration()).ThenBy(p => p.call).ToList())
                {
                    if (paired[i] != null || used.Contains(r)) continue;
                    paired[i] = r;
                    used.Add(r);
                }
                var ambiguous = new string?[ordered.Count];
                for (var i = 0; i + 1 < ordered.Count; i++)
                {
                    var (a, b) = (ordered[i], ordered[i + 1]);
                    if (b.PlacedAt - a.PlacedAt > SameMoment || Digits(a.From) != Digits(b.From)) continue;
                    var (ra, rb) = (paired[i], paired[i + 1]);
                    if (ra == null || rb == null)
                    {
                        // One record is still to come: wait for it before telling the two apart.
                        if (ra != null) { used.Remove(ra); paired[i] = null; }
                        if (rb != null) { used.Remove(rb); paired[i + 1] = null; }
                        continue;
                    }
                    if (ra != null && rb != null && ra.Result == rb.Result && ra.Duration == rb.Duration) continue; // the same story either way
                    var why = $"{ordered.Count(c => Math.Abs((c.PlacedAt - a.PlacedAt).TotalSeconds) <= SameMoment.TotalSeconds)} calls to {a.To} were placed within {SameMoment.TotalSeconds:0} s, " +
                              $"and the call log's records for them differ ({Describe(ra)}; {Describe(rb)}): which is which cannot be told.";
                    ambiguous[i] = ambiguous[i] ?? why;
                    ambiguous[i + 1] = why;
                }
                for (var i = 0; i < ordered.Count; i++)
                    result.Add(ambiguous[i] is string why ? new Match(ordered[i], null, why) : new Match(ordered[i], paired[i], null));
            }
            return result;
        }

        private static bool Within(CallLogRecord r, RingOutCall c) => (r.StartTime - c.PlacedAt).Duration() <= Window;

        private static string Describe(CallLogRecord? r) => r == null ? "no record yet" : $"{r.Result}, {r.Duration.TotalSeconds:0} s";

        /// <summary>A number's digits only, "" for none: how numbers are compared wherever calls are linked.</summary>
        internal static string Digits(string? number) => number == null ? "" : new string(number.Where(ch => ch >= '0' && ch <= '9').ToArray());
    }
}
