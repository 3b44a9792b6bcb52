using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace RingOut.Client
{
    /// <summary>The event path: telephony events read, linked to calls and applied; the safety net through Call Control.</summary>
    public sealed partial class CallWatcher
    {
        /// <summary>
        /// The event path: subscribes each new session (once: the session keeps its channel), reads the events
        /// received since the last look, links each telephony session to the call it belongs to, and settles the
        /// calls its events decide. A call no event has spoken for is polled after <see cref="EventSafetyNet"/>;
        /// events that may have been lost (a failed recovery) make every call of that session due for a poll now.
        /// </summary>
        private async Task ReadEventsAsync(List<RingOutCall> changed, List<RingOutCall> settled, CancellationToken ct)
        {
            foreach (var session in _schedule.PerSession.Keys.Where(SubscribeDue).ToList())
            {
                var channel = await SubscribeAsync(session, ct).ConfigureAwait(false);
                if (channel == null) continue;
                var now = _clock.GetUtcNow();
                var readFrom = _readFrom[session];
                var older = new List<FollowedCall>();
                foreach (var entry in _schedule.All.Where(e => e.Latest.Session == session && !e.ViaEvents).ToList())
                {
                    entry.ViaEvents = true;
                    _viaEvents++;
                    // A call placed while the channel listened is fully told by its events; an older one may have
                    // said its last word before: it is looked for among the active calls.
                    Reschedule(entry, now + EventSafetyNet);
                    if (entry.Latest.SentAt < readFrom) older.Add(entry);
                }
                if (older.Count > 0)
                {
                    // A moment first for their events, which link a live call by themselves when it alone can be the session.
                    if (_older.Count == 0) _olderDue = now + OlderCallsGrace;
                    foreach (var e in older) e.AwaitsActiveCalls = true;
                    _older.AddRange(older);
                }
            }
            if (_older.Count > 0 && _olderDue <= _clock.GetUtcNow())
            {
                // Put off while the Heavy budget is spent, rather than hold up the events (see ReadCallLogsAsync).
                var room = _older.Select(e => e.Latest.Session).Distinct().Max(x => x.Budget.WaitTime(RingCentralSession.CallLogGroup));
                if (room > TimeSpan.Zero) _olderDue = _clock.GetUtcNow() + room;
            }
            if (_older.Count > 0 && _olderDue <= _clock.GetUtcNow())
            {
                var batch = _older.Where(e => _schedule.Contains((e.Latest.Session, e.Latest.Id)) && e.TelephonySessionId == null).ToList();
                _older.Clear();
                foreach (var e in batch) e.AwaitsActiveCalls = false;
                // One call alone is read for itself (Light), not among the active calls (Heavy, and shared with the
                // placing of calls, by other processes of the user too).
                if (batch.Count == 1) Reschedule(batch[0], _clock.GetUtcNow());
                else if (batch.Count > 1) await PlaceOlderCallsAsync(batch, changed, settled, ct).ConfigureAwait(false);
            }
            var read = false;
            foreach (var pair in _channels.ToList())
            {
                if (!(pair.Value is TelephonyEventChannel channel)) continue;
                if (!_schedule.PerSession.ContainsKey(pair.Key) && !_seen.AnyUnlinkedOf(pair.Key)) continue;
                var (position, gaps) = _cursor[pair.Key];
                IReadOnlyList<TelephonyEvent> events;
                int next;
                bool lost;
                try { (events, next, lost) = await channel.KeepAliveAndReadAsync(position, Deadline, ct).ConfigureAwait(false); }
                catch (Exception e) when (Failures.IsReadFailure(e))
                {
                    // The socket could not be reopened (the channel tries again after its backoff): its calls are polled
                    // now, once, and then at the polling pace (not at every look) until it is back.
                    var wasDown = _socketDown.ContainsKey(pair.Key);
                    _socketDown[pair.Key] = "the telephony event socket is down: " + e.Message;
                    if (!wasDown) foreach (var entry in _schedule.All.Where(x => x.Latest.Session == pair.Key).ToList()) Reschedule(entry, _clock.GetUtcNow());
                    continue;
                }
                _socketDown.Remove(pair.Key);
                read = true;
                _cursor[pair.Key] = (next, channel.Gaps);
                var now = _clock.GetUtcNow();
                if (channel.Gaps != gaps || lost)
                    foreach (var entry in _schedule.All.Where(e => e.Latest.Session == pair.Key).ToList()) Reschedule(entry, now);
                foreach (var e in events)
                {
                    if (e.Origin != null && e.Origin != "RingOut" || e.TelephonySessionId == null) continue;
                    var key = (pair.Key, e.TelephonySessionId);
                    var held = _byTelephonySession.TryGetValue(key, out var linked);
                    _seen.Saw(key, e, held);
                    if (held) Apply(linked, e, changed, settled);
                }
            }
            _seen.Prune();
            if (read) Link(changed, settled);
            _nextRead = _clock.GetUtcNow() + EventTick;
        }

        /// <summary>Telephony sessions seen but claimed by no call (for tests: bounded).</summary>
        internal int UnlinkedCount => _seen.UnlinkedCount;

        /// <summary>
        /// Subscribes a session to its telephony events (once: later calls return the same channel, or null when it
        /// cannot subscribe). A caller that subscribes before it places calls has each of them told by its events
        /// from its beginning; otherwise the first call added subscribes.
        /// </summary>
        public async Task<TelephonyEventChannel?> SubscribeAsync(RingCentralSession session, CancellationToken ct)
        {
            if (_channels.TryGetValue(session, out var known) && !SubscribeDue(session)) return known;
            var channel = await session.TelephonyEventsAsync(Deadline, ct).ConfigureAwait(false);
            _channels[session] = channel;
            if (channel == null)
            {
                _unsubscribed = session.EventsUnavailable;
                if (Follow == RingOutFollowMode.Events)
                    throw new RingOutEventsUnavailableException("This session cannot follow calls through telephony events: " + session.EventsUnavailable);
                return null;
            }
            if (_unsubscribed != null && _channels.Values.All(c => c != null)) _unsubscribed = null; // subscribed again
            var now = _clock.GetUtcNow();
            // This wait's subscription point: the events that arrived since the first of its calls was sent (none
            // of an earlier call's can be its own), or since the channel listened, whichever is later.
            var mine = _schedule.All.Where(e => e.Latest.Session == session).Select(e => e.Latest.SentAt).DefaultIfEmpty(now).Min();
            var readFrom = mine > channel.SubscribedAt ? mine : channel.SubscribedAt;
            _readFrom[session] = readFrom;
            _cursor[session] = (await channel.PositionAtAsync(readFrom, ct).ConfigureAwait(false), channel.Gaps);
            // Its events are looked at from now on (else only once a poll fell due).
            if (_nextRead == null) _nextRead = now;
            return channel;
        }

        /// <summary>
        /// Calls placed before the subscription: one read of the active calls (Heavy) per extension finds the live ones
        /// and their telephony sessions, whose later events then tell the rest; a call not among them is over (or
        /// forgotten) and goes to the call log. Two live calls to one number placed together stay on polling.
        /// </summary>
        private async Task PlaceOlderCallsAsync(List<FollowedCall> older, List<RingOutCall> changed, List<RingOutCall> settled, CancellationToken ct)
        {
            foreach (var group in older.GroupBy(e => (e.Latest.AccountId, e.Latest.ExtensionId)))
            {
                var session = group.First().Latest.Session;
                IReadOnlyList<CallLogRecord> active;
                try { active = await session.GetActiveCallsAsync(group.Key.AccountId, group.Key.ExtensionId, Deadline, ct).ConfigureAwait(false); }
                catch (Exception e) when (Failures.IsReadFailure(e))
                {
                    continue; // they keep their polls
                }
                var now = _clock.GetUtcNow();
                var entries = group.ToDictionary(e => e.Latest);
                // Live calls tell the same story until they end: a call two active calls could be stays on polling.
                foreach (var link in CallCorrelation.Link(group.Select(e => e.Latest).ToList(), active.Where(r => r.IsRingOut).Select(CallCorrelation.Of).ToList(),
                             session.ServerClock, session.Claims.HolderOf))
                {
                    var entry = entries[link.Call];
                    if (link.Ambiguity != null) continue;
                    var record = link.Linked?.Source as CallLogRecord;
                    if (record?.TelephonySessionId != null && !_byTelephonySession.ContainsKey((session, record.TelephonySessionId)) &&
                        session.Claims.TryClaim(record.TelephonySessionId, entry.Latest.Id))
                    {
                        var key = (session, record.TelephonySessionId);
                        entry.TelephonySessionId = record.TelephonySessionId;
                        _byTelephonySession[key] = entry;
                        Reschedule(entry, now + EventSafetyNet);
                        // Its events that came while the read waited for the Heavy budget tell its state now.
                        if (_seen.Claim(key, out var held)) Apply(entry, held, changed, settled);
                    }
                    else if (record == null && UseCallLog)
                    {
                        // Not under way: over, its events spent before the subscription. The call log tells the outcome.
                        var gone = entry.Latest.AsGone(now);
                        Remove(entry);
                        changed.Add(gone);
                        _callLog.Add(gone, now);
                    }
                }
            }
        }

        /// <summary>
        /// Links telephony sessions to calls on the event path, by <see cref="CallCorrelation"/>: each session not yet
        /// linked is a candidate (its beginning, when its earliest event seen shows every party still in Setup or
        /// Proceeding; else "began by" that event); a call is linked once every session that could be it has had time
        /// to begin (<see cref="CallCorrelation.SetUp"/> and the skew after it was placed), to the one candidate it can
        /// be, claimed in the session's <see cref="CallCorrelation.Claims"/> so that no other wait takes it. A call
        /// two candidates could be is polled (its own RingOut status, Light) until its status rules out all but one
        /// (<see cref="CallCorrelation.Agrees"/>); until then, and if that never comes, it is told by its own status.
        /// </summary>
        private void Link(List<RingOutCall> changed, List<RingOutCall> settled)
        {
            if (_seen.UnlinkedCount == 0) return;
            var now = _clock.GetUtcNow();
            foreach (var bySession in _schedule.All.Where(e => e.ViaEvents && e.TelephonySessionId == null).GroupBy(e => e.Latest.Session).ToList())
            {
                var session = bySession.Key;
                var skew = session.ServerClock;
                var ready = bySession.Where(e => now >= e.Latest.PlacedAt + CallCorrelation.SetUp + (skew.High - skew.Low)).ToList();
                if (ready.Count == 0) continue;
                var candidates = new List<CallCorrelation.Candidate>();
                foreach (var pair in _seen.UnlinkedOf(session))
                {
                    var first = _seen.FirstOf(pair.Key);
                    var parties = pair.Value.Parties.Count > 0 ? pair.Value.Parties : first.Parties;
                    foreach (var party in parties)
                    {
                        var rungFirst = parties.Count == 2 ? parties.First(p => p != party).To : null;
                        candidates.Add(new CallCorrelation.Candidate(pair.Key.Item2, SeenSessions.ShowsBeginning(first) && first.EventTime != DateTimeOffset.MinValue ? first.EventTime : (DateTimeOffset?)null, first.EventTime, party.To, rungFirst, pair.Value));
                    }
                }
                var entries = ready.ToDictionary(e => e.Latest);
                bool Fits(RingOutCall call, CallCorrelation.Candidate k) => !entries[call].Excluded.Contains(k.Key);
                foreach (var link in CallCorrelation.Link(ready.Select(e => e.Latest).ToList(), candidates, skew, session.Claims.HolderOf, Fits))
                {
                    var entry = entries[link.Call];
                    if (link.Linked is CallCorrelation.Candidate k)
                    {
                        if (!session.Claims.TryClaim(k.Key, entry.Latest.Id)) continue;
                        entry.Rivals = null;
                        LinkTo(entry, (session, k.Key), changed, settled);
                    }
                    else if (link.Options.Count > 0)
                    {
                        // Which it is: its own status says, read now and at each poll interval while it stays undecided.
                        entry.Rivals = link.Options.Select(o => o.Key).Distinct().ToList();
                        // A call placed before this wait listened waits for the read of the active calls, which
                        // names its session if it is live (one Heavy read for all, not a poll each).
                        if (!entry.PolledToTellApart && !entry.AwaitsActiveCalls)
                        {
                            entry.PolledToTellApart = true;
                            Reschedule(entry, now);
                        }
                    }
                }
            }
        }

        /// <summary>
        /// A call two telephony sessions could be was read (its own RingOut status): each session whose statuses
        /// the call's own contradict is not this call's.
        /// </summary>
        private void TellApart(FollowedCall entry, RingOutCall own)
        {
            if (entry.Rivals == null) return;
            foreach (var key in entry.Rivals)
            {
                if (!_seen.TryGetUnlinked((own.Session, key), out var latest)) continue;
                var (caller, callee) = Parties(own, latest);
                if (!CallCorrelation.Agrees(own, own.UpdatedByEvent(latest, caller, callee, latest.EventTime))) entry.Excluded.Add(key);
            }
        }

        private static (TelephonyParty? caller, TelephonyParty? callee) Parties(RingOutCall call, TelephonyEvent e)
        {
            var to = CallCorrelation.Digits(call.To);
            var callee = e.Parties.FirstOrDefault(p => CallCorrelation.Digits(p.To) == to);
            return (e.Parties.FirstOrDefault(p => p != callee), callee);
        }

        private void LinkTo(FollowedCall entry, (RingCentralSession session, string tsid) key, List<RingOutCall> changed, List<RingOutCall> settled)
        {
            _seen.Claim(key, out var latest);
            entry.TelephonySessionId = key.tsid;
            _byTelephonySession[key] = entry;
            Apply(entry, latest, changed, settled);
        }

        // stateNow: a read of the session now (Call Control), not an event: newer than any event seen, whatever their sequence.
        private void Apply(FollowedCall entry, TelephonyEvent e, List<RingOutCall> changed, List<RingOutCall> settled, bool stateNow = false)
        {
            // An event without a (readable) sequence is taken in the order it came; one with a sequence no newer than the
            // last applied is an older event, arrived late.
            var sequenced = !stateNow && e.Sequence > 0;
            if (sequenced && e.Sequence <= entry.LastSequence) return;
            var now = _clock.GetUtcNow();
            // (LastSequence < e.Sequence here, so the + 1 cannot overflow.)
            var gap = sequenced && entry.LastSequence > 0 && e.Sequence > entry.LastSequence + 1;
            if (sequenced) entry.LastSequence = e.Sequence;
            entry.QuietPolls = 0;
            var (caller, callee) = Parties(entry.Latest, e);
            var fresh = entry.Latest.UpdatedByEvent(e, caller, callee, now);
            if (fresh.IsFinal && entry.TelephonySessionId != null)
            {
                // Its result and the time talked, from the events' times (no read spent).
                var t = _seen.TimesOf((fresh.Session, entry.TelephonySessionId));
                fresh = fresh.WithEventOutcome(fresh.CallStatus != RingOutStatus.Success ? TimeSpan.Zero
                    : t.answered is DateTimeOffset a && t.ended is DateTimeOffset b && b >= a ? b - a : (TimeSpan?)null);
            }
            var old = entry.Latest;
            entry.Latest = fresh;
            if (fresh.CallStatusText != old.CallStatusText || fresh.CallerStatusText != old.CallerStatusText || fresh.CalleeStatusText != old.CalleeStatusText)
                changed.Add(fresh);
            if (IsSettled(fresh)) { Remove(entry); settled.Add(fresh); }
            else Reschedule(entry, gap ? now : now + EventSafetyNet); // a gap in the sequence: look now
        }

        private TimeSpan SafetyInterval(int quiet) => PollPacing.Safety(EventSafetyNet, quiet);

    }
}
