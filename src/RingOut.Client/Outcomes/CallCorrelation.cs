using System;
using System.Collections.Generic;
using System.Linq;

namespace RingOut.Client
{
    /// <summary>
    /// The one home of the rule that says which telephony session, active call or call log record is which RingOut
    /// call. None of them carries the RingOut's id, so a candidate is linked to a call only when it can be nobody
    /// else's:
    /// <list type="number">
    /// <item>it calls the call's number (and rings the call's <c>From</c> first, where both are known);</item>
    /// <item>it began at or after the call was sent, and no later than <see cref="SetUp"/> after RingCentral's answer
    /// was received — in the server's time, allowing only the skew measured from its Date headers
    /// (<see cref="ServerClock"/>), not a fixed window;</item>
    /// <item>no other call claims it: not another call of this session (any wait: <see cref="Claims"/>), nor another
    /// call the same list could be;</item>
    /// <item>and the call can be no other candidate. Two candidates left are told apart by what the call's own
    /// status says (<see cref="Agrees"/>); when nothing can tell them apart the call's outcome is "Ambiguous: …",
    /// never guessed.</item>
    /// </list>
    /// A pure function of its inputs, but for the claims.
    /// </summary>
    public static class CallCorrelation
    {
        /// <summary>How long after RingCentral answered a POST ring-out the call's telephony session may still begin.</summary>
        public static readonly TimeSpan SetUp = TimeSpan.FromSeconds(2);

        /// <summary>Something that may be a call: a telephony session, an active call, a call log record.</summary>
        public sealed class Candidate
        {
            public Candidate(string key, DateTimeOffset? start, DateTimeOffset beganBy, string? to, string? from, object? source)
            {
                Key = key; Start = start; BeganBy = beganBy; To = to; From = from; Source = source;
            }

            /// <summary>Its telephony session id (or record id): what a claim holds.</summary>
            public string Key { get; }
            /// <summary>When it began, in the server's time; null when its beginning was not seen.</summary>
            public DateTimeOffset? Start { get; }
            /// <summary>When its beginning was not seen: it began at or before this (server time).</summary>
            public DateTimeOffset BeganBy { get; }
            public string? To { get; }
            public string? From { get; }
            public object? Source { get; }
            public override string ToString() => $"{Key} to {To}{(Start is DateTimeOffset s ? $" began {s:HH:mm:ss.fff}" : $" began by {BeganBy:HH:mm:ss.fff}")}";
        }

        /// <summary>What became of one call.</summary>
        public sealed class Match
        {
            internal Match(RingOutCall call, Candidate? linked, IReadOnlyList<Candidate> options, string? ambiguity)
            {
                Call = call; Linked = linked; Options = options; Ambiguity = ambiguity;
            }

            public RingOutCall Call { get; }
            /// <summary>The one candidate that is this call, or null.</summary>
            public Candidate? Linked { get; }
            /// <summary>Every candidate the call could be (when it is not linked: those a read has to tell apart).</summary>
            public IReadOnlyList<Candidate> Options { get; }
            /// <summary>Why the call cannot be linked (yet): more than one candidate could be it; null otherwise.</summary>
            public string? Ambiguity { get; }
        }

        /// <summary>Whether <paramref name="k"/> could be <paramref name="call"/>, by number and time alone.</summary>
        public static bool CanBe(RingOutCall call, Candidate k, ServerClock skew)
        {
            var to = Digits(call.To);
            if (to.Length == 0 || Digits(k.To) != to) return false;
            if (call.From != null && k.From != null && Digits(k.From) != Digits(call.From)) return false;
            var earliest = call.SentAt + skew.Low;
            var latest = call.PlacedAt + skew.High + SetUp;
            return k.Start is DateTimeOffset s ? s >= earliest && s <= latest : k.BeganBy >= earliest;
        }

        /// <summary>
        /// Links calls to candidates: each call's options are the candidates it can be (<see cref="CanBe"/>) that no
        /// other call claims (<paramref name="claimedBy"/>: the call id holding a key, or null) and that what is known
        /// of the call does not rule out (<paramref name="fits"/>); a call with one option
        /// that no other call can be takes it, and so on while that settles more; a call with one option left that
        /// others could still be, or with several, is ambiguous.
        /// </summary>
        public static IReadOnlyList<Match> Link(IReadOnlyList<RingOutCall> calls, IReadOnlyList<Candidate> candidates, ServerClock skew,
            Func<string, string?>? claimedBy = null, Func<RingOutCall, Candidate, bool>? fits = null)
        {
            // Indexed by number, and each candidate key by the calls that could be it: O(calls + candidates) a pass.
            var byNumber = candidates.GroupBy(k => Digits(k.To)).ToDictionary(g => g.Key, g => g.ToList());
            var options = calls.ToDictionary(c => c, c => (byNumber.TryGetValue(Digits(c.To), out var pool) ? pool : new List<Candidate>())
                .Where(k => CanBe(c, k, skew) && (claimedBy?.Invoke(k.Key) is not string holder || holder == c.Id) && (fits == null || fits(c, k)))
                .GroupBy(k => k.Key).Select(g => g.First()).ToList());
            var couldBe = new Dictionary<string, HashSet<RingOutCall>>();
            foreach (var pair in options)
                foreach (var k in pair.Value)
                {
                    if (!couldBe.TryGetValue(k.Key, out var set)) couldBe[k.Key] = set = new HashSet<RingOutCall>();
                    set.Add(pair.Key);
                }
            var linked = new Dictionary<RingOutCall, Candidate>();
            var work = new Queue<RingOutCall>(calls.Where(c => options[c].Count == 1));
            while (work.Count > 0)
            {
                var c = work.Dequeue();
                if (linked.ContainsKey(c) || options[c].Count != 1) continue;
                var k = options[c][0];
                var rivals = couldBe[k.Key].Where(o => o != c).ToList();
                // Another call that could be it, and could also be something else, gives it up; one that could
                // be nothing else leaves both unlinked.
                if (rivals.Any(o => options[o].Count == 1)) continue;
                linked[c] = k;
                couldBe[k.Key].Clear();
                foreach (var o in rivals)
                {
                    options[o].RemoveAll(x => x.Key == k.Key);
                    if (options[o].Count == 1) work.Enqueue(o);
                }
            }
            return calls.Select(c =>
            {
                if (linked.TryGetValue(c, out var k)) return new Match(c, k, new[] { k }, null);
                var o = options[c];
                if (o.Count == 0) return new Match(c, null, o, null);
                var others = o.SelectMany(x => couldBe[x.Key]).Where(x => x != c).Distinct().Count();
                var why = o.Count > 1
                    ? $"{o.Count} calls to {c.To} began within the moments the call was placed ({string.Join("; ", o.Select(Describe))}): which is this call's cannot be told."
                    : $"{others + 1} calls to {c.To} placed within {SetUp.TotalSeconds:0} s could each be {Describe(o[0])}: which is which cannot be told.";
                return new Match(c, null, o, why);
            }).ToList();
        }

        /// <summary>
        /// Whether a candidate's statuses (<paramref name="candidate"/>, as a snapshot of the call) can be the call's
        /// own (<paramref name="own"/>, read from RingCentral): no leg has settled differently in the two.
        /// </summary>
        public static bool Agrees(RingOutCall own, RingOutCall candidate) =>
            LegAgrees(own.CallerStatus, candidate.CallerStatus) && LegAgrees(own.CalleeStatus, candidate.CalleeStatus);

        private static bool LegAgrees(RingOutStatus a, RingOutStatus b)
        {
            if (a == b || a == RingOutStatus.InProgress || b == RingOutStatus.InProgress || a == RingOutStatus.Unknown || b == RingOutStatus.Unknown) return true;
            bool Talked(RingOutStatus s) => s == RingOutStatus.Success || s == RingOutStatus.Finished;
            return Talked(a) && Talked(b);
        }

        private static string Describe(Candidate k) =>
            k.Source is CallLogRecord r ? $"{r.Result ?? "in progress"}, {r.Duration.TotalSeconds:0} s, began {r.StartTime:HH:mm:ss.fff}" : $"telephony session {k.Key}";

        /// <summary>From a call log record or an active call.</summary>
        public static Candidate Of(CallLogRecord r) =>
            new Candidate(r.TelephonySessionId ?? r.Id ?? r.StartTime.ToString("o", System.Globalization.CultureInfo.InvariantCulture) + r.To, r.StartTime, r.StartTime, r.To, r.From, r);

        /// <summary>A number's digits only, "" for none: how numbers are compared wherever calls are linked.</summary>
        internal static string Digits(string? number) => number == null ? "" : new string(number.Where(ch => ch >= '0' && ch <= '9').ToArray());

        /// <summary>
        /// Which call of a session holds which telephony session (or record): a candidate linked to a call by any wait
        /// is no other call's. Bounded: the oldest claims are forgotten beyond <see cref="MaxClaims"/>.
        /// </summary>
        public sealed class Claims
        {
            public const int MaxClaims = 100_000;
            private readonly Dictionary<string, string> _byKey = new Dictionary<string, string>();
            private readonly Queue<string> _order = new Queue<string>();
            private readonly object _gate = new object();

            public string? HolderOf(string key) { lock (_gate) return _byKey.TryGetValue(key, out var id) ? id : null; }

            /// <summary>Claims a key for a call; false when another call holds it.</summary>
            public bool TryClaim(string key, string callId)
            {
                lock (_gate)
                {
                    if (_byKey.TryGetValue(key, out var holder)) return holder == callId;
                    _byKey[key] = callId;
                    _order.Enqueue(key);
                    while (_order.Count > MaxClaims) _byKey.Remove(_order.Dequeue());
                    return true;
                }
            }
        }
    }
}
