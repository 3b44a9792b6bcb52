using System;
using System.Collections.Generic;
using System.Linq;

namespace RingOut.Client
{
    /// <summary>
    /// What the event linker remembers of the telephony sessions it has seen: the latest event of each that no call
    /// holds yet (a candidate), each one's earliest event (when it began, if that event shows its beginning), and when
    /// its callee answered and it ended (the events' times: how long a call followed live talked). Bounded, as the
    /// channel's log is: past <see cref="TelephonyEventChannel.MaxEvents"/> unclaimed sessions, the half first seen
    /// earliest is forgotten (a hostile gateway's stream of decoys grew them without end).
    /// </summary>
    internal sealed class SeenSessions
    {
        private readonly Dictionary<(RingCentralSession, string), TelephonyEvent> _unlinked = new Dictionary<(RingCentralSession, string), TelephonyEvent>();
        private readonly Dictionary<(RingCentralSession, string), TelephonyEvent> _firstSeen = new Dictionary<(RingCentralSession, string), TelephonyEvent>();
        private readonly Dictionary<(RingCentralSession, string), (DateTimeOffset? answered, DateTimeOffset? ended)> _times = new Dictionary<(RingCentralSession, string), (DateTimeOffset?, DateTimeOffset?)>();

        /// <summary>Sessions seen and held by no call.</summary>
        public int UnlinkedCount => _unlinked.Count;
        public bool AnyUnlinkedOf(RingCentralSession session) => _unlinked.Keys.Any(k => k.Item1 == session);
        public IEnumerable<KeyValuePair<(RingCentralSession, string), TelephonyEvent>> UnlinkedOf(RingCentralSession session) => _unlinked.Where(p => p.Key.Item1 == session);
        public bool TryGetUnlinked((RingCentralSession, string) key, out TelephonyEvent latest) => _unlinked.TryGetValue(key, out latest);
        /// <summary>A session a call now holds: no longer a candidate; its latest event, if it was one.</summary>
        public bool Claim((RingCentralSession, string) key, out TelephonyEvent latest)
        {
            if (!_unlinked.TryGetValue(key, out latest)) return false;
            _unlinked.Remove(key);
            return true;
        }
        public TelephonyEvent FirstOf((RingCentralSession, string) key) => _firstSeen[key];
        public (DateTimeOffset? answered, DateTimeOffset? ended) TimesOf((RingCentralSession, string) key) => _times.TryGetValue(key, out var t) ? t : default;

        /// <summary>Takes an event of a session: its beginning and times; and, when <paramref name="held"/> is false, as the candidate's latest.</summary>
        public void Saw((RingCentralSession, string) key, TelephonyEvent e, bool held)
        {
            if (!_firstSeen.TryGetValue(key, out var first) || e.Sequence < first.Sequence) _firstSeen[key] = e;
            Time(key, e);
            if (!held && (!_unlinked.TryGetValue(key, out var known) || known.Sequence < e.Sequence)) _unlinked[key] = e;
        }

        private void Time((RingCentralSession, string) key, TelephonyEvent e)
        {
            if (e.EventTime == DateTimeOffset.MinValue) return; // no (readable) eventTime: it tells no time
            _times.TryGetValue(key, out var t);
            var answered = e.Parties.Count > 1 && e.Parties.All(p => p.Code == "Answered" || p.Code == "Hold" || p.Code == "Parked");
            var over = e.Parties.Count > 0 && e.Parties.All(p => p.Code == "Disconnected" || p.Code == "Gone");
            if (answered && (t.answered == null || e.EventTime < t.answered)) t.answered = e.EventTime;
            if (over && (t.ended == null || e.EventTime < t.ended)) t.ended = e.EventTime;
            _times[key] = t;
        }

        /// <summary>Forgets the half first seen earliest of the unclaimed sessions, when there are more than <see cref="TelephonyEventChannel.MaxEvents"/>.</summary>
        public void Prune()
        {
            if (_unlinked.Count <= TelephonyEventChannel.MaxEvents) return;
            var oldest = _unlinked.Keys.OrderBy(k => _firstSeen.TryGetValue(k, out var f) ? f.EventTime : DateTimeOffset.MinValue)
                .Take(_unlinked.Count - TelephonyEventChannel.MaxEvents / 2).ToList();
            foreach (var key in oldest) { _unlinked.Remove(key); _firstSeen.Remove(key); _times.Remove(key); }
        }

        /// <summary>Whether an event is from the beginning of its telephony session: no party has got past ringing.</summary>
        public static bool ShowsBeginning(TelephonyEvent e) =>
            e.Parties.Count > 0 && e.Parties.All(p => p.Code == null || p.Code == "Setup" || p.Code == "Proceeding");
    }
}
