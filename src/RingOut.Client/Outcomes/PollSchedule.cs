using System;
using System.Collections.Generic;
using System.Linq;

namespace RingOut.Client
{
    /// <summary>
    /// The poll scheduler: every call a wait follows, by (session, id) and in the order they fall due, and how many
    /// each session has. Adding, rescheduling and removing a call cost O(log n); a look at what is due costs what is due.
    /// </summary>
    internal sealed class PollSchedule
    {
        private readonly Dictionary<(RingCentralSession, string), FollowedCall> _byCall = new Dictionary<(RingCentralSession, string), FollowedCall>();
        private readonly SortedSet<FollowedCall> _byDue = new SortedSet<FollowedCall>(FollowedCall.DueOrder);
        private readonly Dictionary<RingCentralSession, int> _perSession = new Dictionary<RingCentralSession, int>();
        private long _added;

        public int Count => _byCall.Count;
        public bool Contains((RingCentralSession, string) key) => _byCall.ContainsKey(key);
        public IEnumerable<FollowedCall> All => _byCall.Values;
        /// <summary>The calls, the soonest due first.</summary>
        public IEnumerable<FollowedCall> InDueOrder => _byDue;
        /// <summary>How many calls each session has.</summary>
        public IReadOnlyDictionary<RingCentralSession, int> PerSession => _perSession;
        /// <summary>When the soonest poll is due (null: no call).</summary>
        public DateTimeOffset? NextDue => _byDue.Count == 0 ? (DateTimeOffset?)null : _byDue.Min.NextPoll;

        /// <summary>Adds a call (its <see cref="FollowedCall.NextPoll"/> set); calls due at one time keep the order they were added in.</summary>
        public void Add(FollowedCall call)
        {
            call.Order = _added++;
            _byCall.Add((call.Latest.Session, call.Latest.Id), call);
            _byDue.Add(call);
            _perSession[call.Latest.Session] = _perSession.TryGetValue(call.Latest.Session, out var n) ? n + 1 : 1;
        }

        /// <summary>Removes a call, by its first snapshot's session and id (a later snapshot keeps them).</summary>
        public void Remove(FollowedCall call)
        {
            _byDue.Remove(call);
            _byCall.Remove((call.Latest.Session, call.Latest.Id));
            var session = call.Latest.Session;
            if (--_perSession[session] == 0) _perSession.Remove(session);
        }

        public void Reschedule(FollowedCall call, DateTimeOffset at)
        {
            _byDue.Remove(call);
            call.NextPoll = at;
            _byDue.Add(call);
        }

        /// <summary>The calls due by <paramref name="now"/>, the soonest first.</summary>
        public List<FollowedCall> DueBy(DateTimeOffset now) => _byDue.TakeWhile(e => e.NextPoll <= now).ToList();
    }

    /// <summary>One call a wait follows: its latest snapshot, when it is next polled, and what the event path knows of it.</summary>
    internal sealed class FollowedCall
    {
        public FollowedCall(RingOutCall latest) { Latest = latest; }
        public RingOutCall Latest;
        public DateTimeOffset NextPoll;
        /// <summary>Followed through telephony events: polled only as a safety net.</summary>
        public bool ViaEvents;
        public string? TelephonySessionId;
        public long LastSequence;
        /// <summary>RingCentral no longer knows the RingOut; its telephony session is read through Call Control instead.</summary>
        public bool RingOutGone;
        /// <summary>Safety polls in a row that found nothing new: each waits twice as long as the last (a quiet call is normal).</summary>
        public int QuietPolls;
        public int TransientFailures;
        /// <summary>Polled at once, because more than one telephony session could be this call.</summary>
        public bool PolledToTellApart;
        /// <summary>The telephony sessions this call could be, while more than one could (null otherwise); its own status rules them out.</summary>
        public List<string>? Rivals;
        /// <summary>Placed before the wait listened: its telephony session is looked for among the active calls first.</summary>
        public bool AwaitsActiveCalls;
        /// <summary>Telephony sessions the call's own status ruled out.</summary>
        public readonly HashSet<string> Excluded = new HashSet<string>();
        /// <summary>The order it was added in: breaks ties between calls due at the same time.</summary>
        public long Order;

        public static readonly IComparer<FollowedCall> DueOrder = Comparer<FollowedCall>.Create((a, b) =>
        {
            var c = a.NextPoll.CompareTo(b.NextPoll);
            return c != 0 ? c : a.Order.CompareTo(b.Order);
        });
    }
}
