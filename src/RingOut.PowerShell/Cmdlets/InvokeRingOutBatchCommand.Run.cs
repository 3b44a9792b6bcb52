using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using RingOut.Client;
using RingOut.Client.Batch;

namespace RingOut.PowerShell
{
    /// <summary>Invoke-RingOutBatch's run: what the journal holds collected, the rest placed as RingCentral's limit allows while the calls placed are followed, then the report.</summary>
    public sealed partial class InvokeRingOutBatchCommand
    {
        private void Run(RingCentralSession session, List<Row> rows, BatchJournal journal, string? outFile)
        {
            var clock = _clock = session.Clock;
            var earlier = journal.EarlierRuns;
            var unclean = journal.StoppedUncleanly;
            var lastStart = journal.LastRunStarted;
            try { journal.Begin(rows.Count, BatchJournal.Fingerprint(rows.Select(r => r.RawTo)), clock.GetUtcNow()); }
            catch (BatchJournalMismatchException e) { throw Terminate(new ErrorRecord(e, ErrorIds.JournalMismatch, ErrorCategory.InvalidData, journal.Path)); }
            if (unclean)
            {
                var held = journal.Rows.Values;
                WriteWarning($"The last run of this journal (begun {(lastStart is DateTimeOffset s ? Iso(s) : "at an unknown time")}) stopped before its end: " +
                             $"{held.Count(r => r.Id != null)} row(s) were placed, {held.Count(r => r.Phase == BatchRowPhase.Sending || r.Phase == BatchRowPhase.OutcomeUnknown)} may have rung with no answer recorded. " +
                             "No row the journal holds is placed again: their outcomes are collected.");
            }
            else if (earlier > 0) Say($"This journal holds {earlier} earlier run(s): no row it holds is placed again.");

            var watcher = new CallWatcher(clock, TimeSpan.FromSeconds(3), RingOutWaitCondition.Ended) { Follow = Via };
            var byCall = new Dictionary<string, Row>();
            var deadline = clock.GetUtcNow().AddSeconds(Timeout);
            Exception? sessionEnded = null;

            void Settle(Row row, string state, string? result, TimeSpan? duration, string? outcome, string source, string? from)
            {
                row.State = state; row.Result = result; row.Duration = duration; row.Outcome = outcome; row.Source = source; row.Final = true;
                row.ResolvedFrom = from ?? row.ResolvedFrom;
                journal.Settled(row.Index, state, row.ResolvedFrom, result, duration is TimeSpan d ? (int?)(int)Math.Round(d.TotalSeconds) : null, outcome, source);
                Say($"row {row.Index + 1} ({row.To}): {state}{(outcome != null ? " - " + outcome : "")}");
            }

            void SettleCall(RingOutCall call, string? failure)
            {
                if (!byCall.TryGetValue(call.Id, out var row)) return;
                row.Call = call;
                var state = failure != null ? RingOutCallState.Unknown.ToString() : call.State.ToString();
                var outcome = failure != null ? $"Its status could not be read: {failure} It was placed (id {call.Id}): it may have rung."
                    : call.CallLog == null && call.State != RingOutCallState.Unknown ? $"{call.CallStatusText} (caller {call.CallerStatusText}, callee {call.CalleeStatusText})"
                    : call.Outcome;
                if (call.State == RingOutCallState.Unknown) outcome = $"{outcome} It was placed (id {call.Id}), so it may have rung.";
                Settle(row, state, call.Result, call.Duration, outcome, SourceOf(call, failure), call.From ?? call.CallLog?.From);
            }

            void Take(WatchRound round)
            {
                foreach (var call in round.Settled) SettleCall(call, null);
                foreach (var f in round.Failures) SettleCall(f.Key, f.Value.Message);
            }

            bool Watch(bool wait, DateTimeOffset until)
            {
                if (sessionEnded != null) return false;
                try
                {
                    if (Via != RingOutFollowMode.Polling) Await(ct => watcher.SubscribeAsync(session, ct));
                    if (!wait) Take(Await(ct => watcher.PollDueAsync(ct)));
                    else if (watcher.NextDue == null) { var left = until - clock.GetUtcNow(); if (left > TimeSpan.Zero) Await(ct => clock.Delay(left, ct)); }
                    else Take(Await(ct => watcher.NextAsync(until, ct)));
                    return true;
                }
                catch (RingOutEventsUnavailableException e)
                {
                    var record = ErrorMapping.Failure(e, null);
                    record.ErrorDetails.RecommendedAction = UserMessages.EventsUnavailableAdvice(session.EventsRefusal);
                    throw Terminate(record);
                }
                catch (Exception e) when (ErrorMapping.EndsSession(e)) { sessionEnded = e; return false; }
            }

            // What earlier runs recorded: collected, never placed again.
            foreach (var row in rows)
            {
                if (!journal.Rows.TryGetValue(row.Index, out var held)) continue;
                row.Id = held.Id; row.PlacedAt = held.PlacedAt; row.ResolvedFrom = held.From;
                switch (held.Phase)
                {
                    case BatchRowPhase.Settled:
                        row.State = held.State; row.Result = held.Result; row.Duration = held.DurationSeconds is int seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null; row.Outcome = held.Outcome; row.Source = held.Source; row.Final = true;
                        break;
                    case BatchRowPhase.Placed when held.Id != null && held.PlacedAt is DateTimeOffset at:
                        var call = session.KnownCall(held.Id, held.To ?? row.To, held.From, at, held.AccountId, held.ExtensionId);
                        byCall[call.Id] = row;
                        row.Call = call;
                        watcher.Add(call);
                        Say($"row {row.Index + 1} ({row.To}): placed by an earlier run (id {held.Id}); its outcome is collected.");
                        break;
                    case BatchRowPhase.Sending:
                        Settle(row, RingOutCallState.Unknown.ToString(), null, null,
                            $"An earlier run stopped while RingCentral was being asked to place this call ({(held.SentAt is DateTimeOffset sent ? Iso(sent) : "?")}), before its answer came: it may have rung, and its id was never received. It is not placed again; check the call log.",
                            "journal", null);
                        break;
                    case BatchRowPhase.OutcomeUnknown:
                        Settle(row, RingOutCallState.Unknown.ToString(), null, null, $"RingCentral's answer to placing this call was lost: it may have rung. It is not placed again. {held.Error}", "journal", null);
                        break;
                    case BatchRowPhase.Refused:
                        row.State = "Error"; row.Error = held.Error; row.Final = true;
                        break;
                }
            }

            // Subscribe first, when there are calls to place: each is then told by its events from its beginning.
            if (rows.Any(r => !r.Final && !r.Declined && r.Call == null && r.SameAs == null && r.InputError == null &&
                              !(journal.Rows.TryGetValue(r.Index, out var j) && j.Phase != BatchRowPhase.None)))
                Watch(false, deadline);

            // Place the rows nobody placed yet, following the calls placed before them all the while.
            foreach (var row in rows)
            {
                if (row.Final || row.Call != null || row.SameAs != null || (journal.Rows.TryGetValue(row.Index, out var h) && h.Phase != BatchRowPhase.None)) continue;
                if (row.InputError != null)
                {
                    row.State = "Error"; row.Error = row.InputError; row.Final = true;
                    journal.Refused(row.Index, row.RawTo, row.InputError);
                    Say($"row {row.Index + 1} ({row.RawTo}): not placed - {row.InputError}");
                    continue;
                }
                if (row.Declined)
                {
                    // Not recorded in the journal: a rerun may place it.
                    row.State = "Error"; row.Error = "Not placed: declined at the -Confirm prompt."; row.Final = true;
                    continue;
                }
                if (sessionEnded != null || clock.GetUtcNow() >= deadline) break;
                // RingCentral's limit: the calls already placed are followed while the next waits for its turn.
                TimeSpan wait;
                while ((wait = session.Budget.WaitTime(RingCentralSession.PlaceCallGroup)) > TimeSpan.Zero && sessionEnded == null && clock.GetUtcNow() < deadline)
                {
                    var until = clock.GetUtcNow() + wait;
                    Watch(true, until < deadline ? until : deadline);
                }
                if (sessionEnded != null || clock.GetUtcNow() >= deadline) break;
                Place(session, row, journal, byCall, watcher, e => sessionEnded = e, Settle);
                Watch(false, deadline);
            }

            // Then follow the rest to their ends, or to the deadline.
            while (watcher.PendingCount > 0 && sessionEnded == null && clock.GetUtcNow() < deadline) Watch(true, deadline);

            foreach (var row in rows.Where(r => !r.Final && r.SameAs == null))
            {
                if (row.Call != null)
                {
                    var latest = watcher.Pending.FirstOrDefault(c => c.Id == row.Call.Id) ?? row.Call;
                    row.State = latest.State.ToString();
                    row.Outcome = sessionEnded != null ? "The session ended while the call was followed; a rerun with this journal collects its outcome."
                        : $"Still under way after {Timeout} s; a rerun with this journal collects its outcome.";
                    row.Source = "none";
                }
                else
                {
                    row.State = "Error";
                    row.Error = sessionEnded != null ? $"Not placed: the session ended first ({sessionEnded.Message}); a rerun with this journal places it."
                        : $"Not placed within {Timeout} s; a rerun with this journal places it.";
                }
            }
            foreach (var row in rows.Where(r => r.SameAs != null))
            {
                var first = row.SameAs!;
                row.Id = first.Id; row.PlacedAt = first.PlacedAt; row.State = first.State; row.Result = first.Result; row.Duration = first.Duration;
                row.Source = first.Source; row.ResolvedFrom = first.ResolvedFrom; row.Error = first.Error;
                row.Outcome = $"Same number as row {first.Index + 1}, called once: {first.Outcome}";
            }

            var report = rows.Select(Report).ToList();
            foreach (var r in report) WriteObject(r);
            if (outFile != null) WriteCsv(outFile, rows, report);
            if (sessionEnded == null) journal.End(clock.GetUtcNow());

            var connected = rows.Count(r => r.State == RingOutCallState.Ended.ToString());
            var notPlaced = rows.Count(r => r.State == "Error");
            var unknown = rows.Count(r => r.State == RingOutCallState.Unknown.ToString());
            Say($"RingOut batch: {rows.Count} row(s): {connected} connected, {rows.Count - connected - notPlaced - unknown} did not connect or are still under way, {unknown} unknown (may have rung), {notPlaced} not placed" +
                (outFile != null ? $"; report {outFile}" : "") + $"; journal {journal.Path}.");
            if (sessionEnded != null)
                WriteError(new ErrorRecord(new InvalidOperationException($"The session ended during the run: {sessionEnded.Message} The report holds what is known; run again with the same journal to collect the rest.", sessionEnded),
                    ErrorIds.BatchSessionEnded, ErrorCategory.AuthenticationError, journal.Path) { ErrorDetails = new ErrorDetails(sessionEnded.Message) { RecommendedAction = UserMessages.SignInAgain } });
        }

        private void Place(RingCentralSession session, Row row, BatchJournal journal, Dictionary<string, Row> byCall, CallWatcher watcher, Action<Exception> ended,
                           Action<Row, string, string?, TimeSpan?, string?, string, string?> settle)
        {
            var to = row.To!;
            var request = new RingOutCallRequest { To = to, From = row.From, CallerId = row.CallerId, ForwardingNumberId = row.ForwardingNumberId, DefaultRegion = session.RegionFor(DefaultRegion) };
            journal.Sending(row.Index, to, session.Clock.GetUtcNow());
            try
            {
                var call = Await(ct => session.PlaceCallAsync(request, ct));
                journal.Placed(row.Index, call);
                SessionMemory.Of(session).Placed(call);
                row.Call = call; row.Id = call.Id; row.PlacedAt = call.PlacedAt; row.ResolvedFrom = call.From;
                byCall[call.Id] = row;
                Say($"row {row.Index + 1} ({to}): placed, id {call.Id}, at {Iso(call.PlacedAt)}");
                if (!watcher.Add(call)) settle(row, call.State.ToString(), call.Result, null, call.Outcome, SourceOf(call, null), call.From);
            }
            catch (RingOutOutcomeUnknownException e)
            {
                journal.OutcomeUnknown(row.Index, to, e.Message);
                settle(row, RingOutCallState.Unknown.ToString(), null, null, $"RingCentral's answer to placing this call was lost: it may have rung. It is not placed again. {e.Message}", "none", null);
            }
            catch (Exception e) when (ErrorMapping.IsClientFailure(e))
            {
                var record = ErrorMapping.Failure(e, to);
                var error = $"{record.FullyQualifiedErrorId}: {e.Message}";
                if (ErrorMapping.EndsSession(e) || e is RingCentralApiException api && (int)api.StatusCode == 401)
                {
                    // Refused before anything was done (the session is over): a rerun places it.
                    journal.Released(row.Index, to, error);
                    ended(e);
                    return;
                }
                row.State = "Error"; row.Error = error; row.Final = true;
                journal.Refused(row.Index, to, error);
                Say($"row {row.Index + 1} ({to}): not placed - {error}");
            }
        }
    }
}
