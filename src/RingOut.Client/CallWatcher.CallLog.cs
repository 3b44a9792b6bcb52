using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client.Http;

namespace RingOut.Client
{
    /// <summary>Calls RingCentral forgot: looked up in the call log, in batches.</summary>
    public sealed partial class CallWatcher
    {
        /// <summary>
        /// Puts a call RingCentral forgot on its extension's lookup, or (<paramref name="complete"/>) a call whose own
        /// status settled it, followed by polling, for its result, time talked and telephony session. A new lookup's first read waits a moment, so that
        /// calls forgotten together (piped one by one) share it, and never comes sooner than one interval after the last.
        /// </summary>
        private void LookUp(RingOutCall call, DateTimeOffset now, bool complete = false)
        {
            var key = (call.Session, call.AccountId, call.ExtensionId);
            if (!_lookups.TryGetValue(key, out var lookup))
            {
                var first = now + CallLogGather;
                if (_lastRead.TryGetValue(key, out var last) && last + CallLogInterval > first) first = last + CallLogInterval;
                _lookups.Add(key, lookup = new Lookup { NextRead = first });
            }
            if (lookup.Calls.Any(f => f.Call.Id == call.Id)) return;
            lookup.Calls.Add(new Forgotten(call) { Since = now, Complete = complete });
            _lookingUp++;
        }


        /// <summary>
        /// Reads the call log of every extension whose lookup is due (one request, or one per 1,000 records, for all of
        /// its forgotten calls), and settles each call it links, or gives up on it after <see cref="CallLogPatience"/>.
        /// </summary>
        private async Task<int> ReadCallLogsAsync(List<RingOutCall> changed, List<RingOutCall> settled, CancellationToken ct)
        {
            var reads = 0;
            foreach (var pair in _lookups.Where(l => l.Value.NextRead <= _clock.GetUtcNow()).ToList())
            {
                ct.ThrowIfCancellationRequested();
                if (PastDeadline) break;
                var (session, account, extension) = pair.Key;
                var lookup = pair.Value;
                // A Heavy read whose budget is spent would hold up everything else this wait follows (events, polls):
                // it is put off until the budget has room, instead of waited for here.
                var room = session.Budget.WaitTime(RingCentralSession.CallLogGroup);
                if (room > TimeSpan.Zero) { lookup.NextRead = _clock.GetUtcNow() + room; continue; }
                IReadOnlyList<CallLogRecord>? records = null;
                var forbidden = false;
                try
                {
                    var since = lookup.Calls.Min(f => f.Call.SentAt) + session.ServerClock.Low - TimeSpan.FromSeconds(1);
                    records = await session.GetCallLogAsync(since, account, extension, Deadline, ct).ConfigureAwait(false);
                    lookup.LastFailure = null;
                }
                catch (Exception e) when (Failures.IsReadFailure(e))
                {
                    // Asking again may help, within the patience; a refusal (of the permission, of a value) will not.
                    lookup.LastFailure = e;
                    forbidden = Failures.Classify(e) == FailureKind.Permanent;
                }
                reads++;
                var now = _clock.GetUtcNow();
                _lastRead[pair.Key] = now;
                // A record is a candidate for a call that what was seen of the call does not contradict.
                bool Fits(RingOutCall call, CallCorrelation.Candidate k) => k.Source is CallLogRecord r && CallCorrelation.Agrees(call, call.ResolvedBy(r, now, keepOwnStatuses: false));
                var links = records == null ? null
                    : CallCorrelation.Link(lookup.Calls.Select(f => f.Call).ToList(), records.Where(r => r.IsRingOut && !string.Equals(r.Direction, "Inbound", StringComparison.OrdinalIgnoreCase))
                        .Select(CallCorrelation.Of).ToList(), session.ServerClock, session.Claims.HolderOf, Fits).ToDictionary(m => m.Call);
                foreach (var f in lookup.Calls.ToList())
                {
                    RingOutCall? final = null;
                    CallCorrelation.Match? link = null;
                    var patience = now - f.Since >= CallLogPatience;
                    if (links != null && links.TryGetValue(f.Call, out link) && link.Linked?.Source is CallLogRecord record && session.Claims.TryClaim(link.Linked.Key, f.Call.Id))
                        final = f.Call.ResolvedBy(record, now);
                    // A call settled by its own status keeps it: only its result and time talked stay unknown.
                    else if (f.Complete && (link?.Options.Count > 1 || forbidden || patience))
                        final = f.Call.WithNote(link?.Options.Count > 1 ? $"Result and Duration unknown: {link.Options.Count} call log records could be this call (Ambiguous: {link.Ambiguity})"
                            : forbidden ? $"Result and Duration unknown: its call log could not be read ({lookup.LastFailure?.Message})"
                            : $"Result and Duration unknown: no call log record for it appeared within {CallLogPatience.TotalMinutes:0} min");
                    else if (link?.Ambiguity != null && (link.Options.Count > 1 || patience)) final = f.Call.Unresolved("Ambiguous: " + link.Ambiguity, now);
                    else if (forbidden) final = f.Call.Unresolved($"RingCentral forgot the call, and its call log could not be read: {lookup.LastFailure?.Message}" +
                        (lookup.LastFailure is RingCentralApiException api && ((int)api.StatusCode == 403 || (int)api.StatusCode == 401) ? " (the app needs the ReadCallLog permission)." : ""), now);
                    else if (patience)
                        final = f.Call.Unresolved(lookup.LastFailure != null
                            ? $"RingCentral forgot the call, and its call log could not be read for {CallLogPatience.TotalMinutes:0} min: {lookup.LastFailure.Message}"
                            : $"RingCentral forgot the call, and no call log record for it appeared within {CallLogPatience.TotalMinutes:0} min.", now);
                    if (final == null) continue;
                    lookup.Calls.Remove(f);
                    _lookingUp--;
                    changed.Add(final);
                    settled.Add(final);
                }
                if (lookup.Calls.Count == 0) _lookups.Remove(pair.Key);
                else lookup.NextRead = now + CallLogInterval;
            }
            return reads;
        }

        /// <summary>The poll interval, stretched so that polling all calls pending on a session stays within its share of the Light budget.</summary>
        private TimeSpan IntervalFor(RingCentralSession session, int onSession)
        {
            var light = session.Budget.State(RateGroup.Light);
            var perMinute = Math.Max(1, light.Limit * BudgetShare);
            var spread = TimeSpan.FromTicks((long)(light.Window.Ticks * onSession / perMinute));
            return spread > PollInterval ? spread : PollInterval;
        }
    }
}
