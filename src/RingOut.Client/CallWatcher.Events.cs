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
            foreach (var session in _perSession.Keys.Where(k => !_channels.ContainsKey(k)).ToList())
            {
                var channel = await SubscribeAsync(session, ct).ConfigureAwait(false);
                if (channel == null) continue;
                var now = _clock.GetUtcNow();
                var older = new List<Entry>();
                foreach (var entry in _byCall.Values.Where(e => e.Latest.Session == session && !e.ViaEvents).ToList())
                {
                    entry.ViaEvents = true;
                    _viaEvents++;
                    // A call placed while the channel listened is fully told by its events; an older one may have
                    // said its last word before: it is looked for among the active calls.
                    Reschedule(entry, now + EventSafetyNet);
                    if (entry.Latest.PlacedAt < channel.SubscribedAt) older.Add(entry);
                }
                if (older.Count > 0)
                {
                    // A moment first for their events, which link a live call by themselves when it alone can be the session.
                    if (_older.Count == 0) _olderDue = now + OlderCallsGrace;
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
                var batch = _older.Where(e => _byCall.ContainsKey((e.Latest.Session, e.Latest.Id)) && e.TelephonySessionId == null).ToList();
                _older.Clear();
                // One call alone is read for itself (Light), not among the active calls (Heavy, and shared with the
                // placing of calls, by other processes of the user too).
                if (batch.Count == 1) Reschedule(batch[0], _clock.GetUtcNow());
                else if (batch.Count > 1) await PlaceOlderCallsAsync(batch, changed, settled, ct).ConfigureAwait(false);
            }
            var read = false;
            foreach (var pair in _channels.ToList())
            {
                if (!(pair.Value is TelephonyEventChannel channel)) continue;
                if (!_perSession.ContainsKey(pair.Key) && !_unlinked.Keys.Any(k => k.Item1 == pair.Key)) continue;
                var (position, gaps) = _cursor[pair.Key];
                IReadOnlyList<TelephonyEvent> events;
                try { events = await channel.ReadAsync(position, ct).ConfigureAwait(false); }
                catch (Exception e) when (e is System.Net.Http.HttpRequestException || e is RingCentralProtocolException || e is RingCentralApiException ||
                                          e is System.Net.WebSockets.WebSocketException || e is RingCentralServerValueException)
                {
                    // The socket could not be reopened this time: its calls are polled now, and the next look tries again.
                    foreach (var entry in _byCall.Values.Where(x => x.Latest.Session == pair.Key).ToList()) Reschedule(entry, _clock.GetUtcNow());
                    continue;
                }
                read = true;
                _cursor[pair.Key] = (position + events.Count, channel.Gaps);
                var now = _clock.GetUtcNow();
                if (channel.Gaps != gaps)
                    foreach (var entry in _byCall.Values.Where(e => e.Latest.Session == pair.Key).ToList()) Reschedule(entry, now);
                foreach (var e in events)
                {
                    if (e.Origin != null && e.Origin != "RingOut" || e.TelephonySessionId == null) continue;
                    var key = (pair.Key, e.TelephonySessionId);
                    if (!_firstSeen.TryGetValue(key, out var first) || e.Sequence < first.Sequence) _firstSeen[key] = e;
                    if (_byTelephonySession.TryGetValue(key, out var linked)) Apply(linked, e, changed, settled);
                    else if (!_unlinked.TryGetValue(key, out var known) || known.Sequence < e.Sequence) _unlinked[key] = e;
                }
            }
            if (read) Link(changed, settled);
            _nextRead = _clock.GetUtcNow() + EventTick;
        }

        /// <summary>
        /// Subscribes a session to its telephony events (once: later calls return the same channel, or null when it
        /// cannot subscribe). A caller that subscribes before it places calls has each of them told by its events
        /// from its beginning; otherwise the first call added subscribes.
        /// </summary>
        public async Task<TelephonyEventChannel?> SubscribeAsync(RingCentralSession session, CancellationToken ct)
        {
            if (_channels.TryGetValue(session, out var known)) return known;
            var channel = await session.TelephonyEventsAsync(ct).ConfigureAwait(false);
            _channels[session] = channel;
            if (channel == null)
            {
                EventsUnavailable = session.EventsUnavailable;
                if (Follow == RingOutFollowMode.Events)
                    throw new RingOutEventsUnavailableException("This session cannot follow calls through telephony events: " + session.EventsUnavailable);
                return null;
            }
            _cursor[session] = (0, channel.Gaps);
            // Its events are looked at from now on (else only once a poll fell due).
            if (_nextRead == null) _nextRead = _clock.GetUtcNow();
            return channel;
        }

        /// <summary>
        /// Calls placed before the subscription: one read of the active calls (Heavy) per extension finds the live ones
        /// and their telephony sessions, whose later events then tell the rest; a call not among them is over (or
        /// forgotten) and goes to the call log. Two live calls to one number placed together stay on polling.
        /// </summary>
        private async Task PlaceOlderCallsAsync(List<Entry> older, List<RingOutCall> changed, List<RingOutCall> settled, CancellationToken ct)
        {
            foreach (var group in older.GroupBy(e => (e.Latest.AccountId, e.Latest.ExtensionId)))
            {
                var session = group.First().Latest.Session;
                IReadOnlyList<CallLogRecord> active;
                try { active = await session.GetActiveCallsAsync(group.Key.AccountId, group.Key.ExtensionId, ct).ConfigureAwait(false); }
                catch (Exception e) when (e is RingCentralApiException || e is RingCentralProtocolException || e is System.Net.Http.HttpRequestException || e is RingCentralServerValueException)
                {
                    continue; // they keep their polls
                }
                var now = _clock.GetUtcNow();
                var entries = group.ToDictionary(e => e.Latest);
                // Live calls tell the same story until they end: two calls to one number placed together cannot be told apart by it.
                var together = new HashSet<RingOutCall>(group.GroupBy(e => CallLogMatcher.Digits(e.Latest.To)).SelectMany(g =>
                {
                    var calls = g.Select(e => e.Latest).OrderBy(c => c.PlacedAt).ToList();
                    return calls.Where((c, i) => (i > 0 && c.PlacedAt - calls[i - 1].PlacedAt <= CallLogMatcher.SameMoment) ||
                                                 (i + 1 < calls.Count && calls[i + 1].PlacedAt - c.PlacedAt <= CallLogMatcher.SameMoment));
                }));
                foreach (var link in CallLogMatcher.Link(group.Select(e => e.Latest).ToList(), active))
                {
                    var entry = entries[link.Call];
                    if (link.Ambiguity != null || together.Contains(link.Call)) continue;
                    if (link.Record?.TelephonySessionId != null && !_byTelephonySession.ContainsKey((session, link.Record.TelephonySessionId)))
                    {
                        var key = (session, link.Record.TelephonySessionId);
                        entry.TelephonySessionId = link.Record.TelephonySessionId;
                        _byTelephonySession[key] = entry;
                        Reschedule(entry, now + EventSafetyNet);
                        // Its events that came while the read waited for the Heavy budget tell its state now.
                        if (_unlinked.TryGetValue(key, out var held))
                        {
                            _unlinked.Remove(key);
                            Apply(entry, held, changed, settled);
                        }
                    }
                    else if (link.Record == null && UseCallLog)
                    {
                        // Not under way: over, its events spent before the subscription. The call log tells the outcome.
                        var gone = entry.Latest.AsGone(now);
                        Remove(entry);
                        changed.Add(gone);
                        LookUp(gone, now);
                    }
                }
            }
        }

        /// <summary>
        /// Links telephony sessions to calls on the event path: same session, a party calling the call's number, and
        /// the session's beginning (its earliest event, while every party is still in Setup or Proceeding) nearest to
        /// the placing, within <see cref="CallLogMatcher.Window"/>. A session whose beginning was not seen began
        /// before the subscription: it is linked only when one call placed before the subscription, within the window
        /// before its first event, can be it, and no other such session can be that call's; otherwise the read of the
        /// active calls, which names telephony sessions, links it; meanwhile each call it could be is polled once, at
        /// once, so that their own statuses tell them apart. When two calls to one number were placed within
        /// <see cref="CallLogMatcher.SameMoment"/>, which is which cannot be told from the events: they stay on
        /// polling (and the call log), never guessed.
        /// </summary>
        private void Link(List<RingOutCall> changed, List<RingOutCall> settled)
        {
            if (_unlinked.Count == 0) return;
            var waiting = _byCall.Values.Where(e => e.ViaEvents && e.TelephonySessionId == null)
                .GroupBy(e => (e.Latest.Session, CallLogMatcher.Digits(e.Latest.To))).ToDictionary(g => g.Key, g => g.OrderBy(e => e.Latest.PlacedAt).ToList());
            // Sessions whose beginning was missed, by the calls each could be: a call two of them could be is left alone.
            var missed = new Dictionary<(RingCentralSession, string), Entry>();
            var claimed = new Dictionary<Entry, int>();
            foreach (var pair in _unlinked)
            {
                var first = _firstSeen[pair.Key];
                if (ShowsBeginning(first)) continue;
                var subscribedAt = _channels.TryGetValue(pair.Key.Item1, out var channel) && channel != null ? channel.SubscribedAt : DateTimeOffset.MinValue;
                var could = pair.Value.Parties
                    .SelectMany(p => waiting.TryGetValue((pair.Key.Item1, CallLogMatcher.Digits(p.To)), out var calls) ? calls : new List<Entry>())
                    // Placed before the subscription, or at the same moment (its first events may have come before it).
                    .Where(c => c.Latest.PlacedAt <= subscribedAt + CallLogMatcher.SameMoment && c.Latest.PlacedAt <= first.EventTime && first.EventTime - c.Latest.PlacedAt <= CallLogMatcher.Window)
                    .Distinct().ToList();
                if (could.Count > 1)
                {
                    // Which of them it is: their own statuses say (a RingOut GET each, once), without the Heavy read.
                    foreach (var c in could.Where(c => !c.PolledToTellApart)) { c.PolledToTellApart = true; Reschedule(c, _clock.GetUtcNow()); }
                    continue;
                }
                if (could.Count == 0) continue;
                missed[pair.Key] = could[0];
                claimed[could[0]] = claimed.TryGetValue(could[0], out var n) ? n + 1 : 1;
            }
            foreach (var pair in _unlinked.ToList())
            {
                var (session, tsid) = pair.Key;
                var e = pair.Value;
                var first = _firstSeen[pair.Key];
                if (!ShowsBeginning(first))
                {
                    if (missed.TryGetValue(pair.Key, out var only) && claimed[only] == 1 && only.TelephonySessionId == null) LinkTo(only, pair.Key, e, waiting, changed, settled);
                    continue;
                }
                var began = first.EventTime;
                Entry? match = null;
                var ambiguous = false;
                foreach (var party in e.Parties)
                {
                    if (!waiting.TryGetValue((session, CallLogMatcher.Digits(party.To)), out var calls)) continue;
                    var near = calls.Where(c => (c.Latest.PlacedAt - began).Duration() <= CallLogMatcher.Window)
                        .OrderBy(c => (c.Latest.PlacedAt - began).Duration()).ToList();
                    if (near.Count == 0) continue;
                    var nearest = near[0];
                    if (near.Count > 1 && (near[1].Latest.PlacedAt - nearest.Latest.PlacedAt).Duration() <= CallLogMatcher.SameMoment) { ambiguous = true; break; }
                    match = nearest;
                    break;
                }
                if (ambiguous || match == null) continue;
                LinkTo(match, pair.Key, e, waiting, changed, settled);
            }
        }

        private void LinkTo(Entry entry, (RingCentralSession session, string tsid) key, TelephonyEvent latest,
            Dictionary<(RingCentralSession, string), List<Entry>> waiting, List<RingOutCall> changed, List<RingOutCall> settled)
        {
            _unlinked.Remove(key);
            waiting[(key.session, CallLogMatcher.Digits(entry.Latest.To))].Remove(entry);
            entry.TelephonySessionId = key.tsid;
            _byTelephonySession[key] = entry;
            Apply(entry, latest, changed, settled);
        }

        /// <summary>Whether an event is from the beginning of its telephony session: no party has got past ringing.</summary>
        private static bool ShowsBeginning(TelephonyEvent e) =>
            e.Parties.Count > 0 && e.Parties.All(p => p.Code == null || p.Code == "Setup" || p.Code == "Proceeding");

        private void Apply(Entry entry, TelephonyEvent e, List<RingOutCall> changed, List<RingOutCall> settled)
        {
            if (e.Sequence <= entry.LastSequence) return; // an older event, arrived late
            var now = _clock.GetUtcNow();
            var gap = entry.LastSequence > 0 && e.Sequence > entry.LastSequence + 1;
            entry.LastSequence = e.Sequence;
            entry.QuietPolls = 0;
            var to = CallLogMatcher.Digits(entry.Latest.To);
            var callee = e.Parties.FirstOrDefault(p => CallLogMatcher.Digits(p.To) == to);
            var caller = e.Parties.FirstOrDefault(p => p != callee);
            var fresh = entry.Latest.UpdatedByEvent(e, caller, callee, now);
            var old = entry.Latest;
            entry.Latest = fresh;
            if (fresh.CallStatusText != old.CallStatusText || fresh.CallerStatusText != old.CallerStatusText || fresh.CalleeStatusText != old.CalleeStatusText)
                changed.Add(fresh);
            if (IsSettled(fresh)) { Remove(entry); settled.Add(fresh); }
            else Reschedule(entry, gap ? now : now + EventSafetyNet); // a gap in the sequence: look now
        }

        /// <summary>The safety net for a call whose RingOut RingCentral forgot: its telephony session's parties, through Call Control (Light).</summary>
        private async Task ReadCallSessionAsync(Entry entry, string telephonySessionId, List<RingOutCall> changed, List<RingOutCall> settled, CancellationToken ct)
        {
            TelephonyEvent now;
            try { now = await entry.Latest.Session.GetCallSessionAsync(telephonySessionId, entry.Latest.AccountId, ct).ConfigureAwait(false); }
            catch (RingCentralApiException e) when (e.IsNotFound)
            {
                // Over and forgotten: the call log has it.
                var gone = entry.Latest.AsGone(_clock.GetUtcNow());
                Remove(entry);
                if (UseCallLog) LookUp(gone, _clock.GetUtcNow()); else settled.Add(gone);
                return;
            }
            catch (Exception e) when (e is RingCentralApiException || e is RingCentralProtocolException || e is System.Net.Http.HttpRequestException || e is RingCentralServerValueException)
            {
                Reschedule(entry, _clock.GetUtcNow() + SafetyInterval(entry.QuietPolls++));
                return;
            }
            now.Sequence = entry.LastSequence + 1; // the state now: newer than any event seen
            var quiet = entry.QuietPolls;
            Apply(entry, now, changed, settled);
            entry.LastSequence--; // not an event: the next event's sequence is still the next one
            entry.QuietPolls = quiet + 1;
            if (_byCall.ContainsKey((entry.Latest.Session, entry.Latest.Id))) Reschedule(entry, _clock.GetUtcNow() + SafetyInterval(entry.QuietPolls));
        }

        /// <summary>The safety net's wait after <paramref name="quiet"/> polls that found nothing new: doubling, at most 30 minutes.</summary>
        private TimeSpan SafetyInterval(int quiet)
        {
            var ticks = EventSafetyNet.Ticks * (1L << Math.Min(quiet, 10));
            return TimeSpan.FromTicks(Math.Min(ticks, TimeSpan.FromMinutes(30).Ticks));
        }

    }
}
