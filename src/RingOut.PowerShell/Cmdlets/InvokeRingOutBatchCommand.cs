using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using RingOut.Client;
using RingOut.Client.Batch;

namespace RingOut.PowerShell
{
    /// <summary>What a bulk run does with two rows that call one number.</summary>
    public enum RingOutDuplicateNumbers
    {
        /// <summary>Call the number once; the later rows report that call's outcome (the default).</summary>
        PlaceOnce,
        /// <summary>Call the number once per row, on purpose.</summary>
        PlaceEach,
    }

    /// <summary>
    /// Places the calls of many rows (Import-Csv's) and follows them in one stage, recording each step in a journal
    /// on disk before it goes on: a run killed at any instant and run again with the same journal never places a row
    /// the journal holds, and collects its outcome instead. Writes one report row per input row, in the input's order,
    /// with every input column and the outcome beside it, and with -OutFile the same as a CSV file, replaced in one step.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "RingOutBatch", HelpUri = "https://github.com/ringout/RingOut.PowerShell/blob/main/docs/RingOut/Invoke-RingOutBatch.md")]
    [OutputType(typeof(PSObject))]
    public sealed class InvokeRingOutBatchCommand : RingOutCmdlet
    {
        /// <summary>The report's own columns, after the input's.</summary>
        public static readonly string[] ReportColumns = { "Id", "State", "From", "PlacedAt", "Result", "Duration", "Source", "Outcome", "Error" };
        /// <summary>Columns whose text comes from a server (or from errors that quote it): written as text in a CSV file.</summary>
        private static readonly HashSet<string> ServerText = new HashSet<string>(new[] { "State", "Result", "Source", "Outcome", "Error", "From" }, StringComparer.OrdinalIgnoreCase);
        private const string Tag = "RingOut.Batch";

        /// <summary>A row: an object with a To property (the number to call), and optionally From, CallerId and ForwardingNumberId; Import-Csv's rows.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public PSObject? InputObject { get; set; }

        /// <summary>The journal of the run: created when absent; a rerun with the same journal never places a row it holds, and collects its outcome.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string JournalPath { get; set; } = "";

        /// <summary>A CSV file for the report (replaced in one step): checked before any call is placed.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? OutFile { get; set; }

        /// <summary>Two rows with one number: PlaceOnce (the default) calls it once, PlaceEach once per row. Either way a warning names them.</summary>
        [Parameter]
        public RingOutDuplicateNumbers Duplicates { get; set; } = RingOutDuplicateNumbers.PlaceOnce;

        /// <summary>Seconds the run lasts at most, placing and waiting; calls still under way then are reported as they stand, and a rerun collects them.</summary>
        [Parameter]
        [ValidateRange(1, 7 * 86400)]
        public int Timeout { get; set; } = 3600;

        /// <summary>Auto (the default): telephony events, subscribed before the first call, when the session can; else polling.</summary>
        [Parameter]
        public RingOutFollowMode Via { get; set; } = RingOutFollowMode.Auto;

        /// <summary>The region (ISO 3166, such as GB) that numbers written without a country code belong to. Absent: your extension's home country.</summary>
        [Parameter]
        [ValidatePattern("^[A-Za-z]{2}$")]
        public string? DefaultRegion { get; set; }

        [Parameter]
        public RingCentralSession? Session { get; set; }

        private readonly List<PSObject> _rows = new List<PSObject>();

        protected override void ProcessRecord()
        {
            if (InputObject != null) _rows.Add(InputObject);
        }

        /// <summary>One input row, as the run sees it.</summary>
        private sealed class Row
        {
            public int Index;
            public PSObject Input = null!;
            public string? RawTo;
            public string? To, From, CallerId, ForwardingNumberId;
            public string? InputError;
            /// <summary>The earlier row whose call this row shares (-Duplicates PlaceOnce).</summary>
            public Row? SameAs;
            public RingOutCall? Call;
            public string? State, Result, Outcome, Source, Error;
            public int? Duration;
            public DateTimeOffset? PlacedAt;
            public string? Id, ResolvedFrom;
            public bool Final;
        }

        protected override void EndProcessing()
        {
            var session = RequireSession(Session);
            var region = DefaultRegion ?? session.HomeCountry;
            var rows = _rows.Select((o, i) => Read(o, i, region)).ToList();
            if (rows.Count > 0 && rows.All(r => r.RawTo == null))
                throw Terminate(new ErrorRecord(new ArgumentException("The rows have no To column: give the numbers to call in a column (property) named To."), ErrorIds.NoToColumn, ErrorCategory.InvalidData, _rows[0]));
            MarkDuplicates(rows);

            // Nothing is placed unless the report and the journal can be written.
            var outFile = OutFile == null ? null : GetUnresolvedProviderPathFromPSPath(OutFile);
            if (outFile != null)
            {
                try { SafeCsv.CheckWritable(outFile); }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
                {
                    throw Terminate(NotWritable("-OutFile", outFile, e));
                }
            }
            var journalPath = GetUnresolvedProviderPathFromPSPath(JournalPath);
            BatchJournal journal;
            try { journal = BatchJournal.Open(journalPath); }
            catch (BatchJournalInUseException e) { throw Terminate(new ErrorRecord(e, ErrorIds.JournalInUse, ErrorCategory.ResourceBusy, journalPath)); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
            {
                throw Terminate(NotWritable("-JournalPath", journalPath, e));
            }
            using (journal)
            {
                Run(session, rows, journal, outFile);
            }
            base.EndProcessing();
        }

        private static ErrorRecord NotWritable(string parameter, string path, Exception e) =>
            new ErrorRecord(new IOException($"{parameter} '{path}' cannot be written ({e.Message}): nothing was placed.", e), ErrorIds.NotWritable, ErrorCategory.WriteError, path);

        private static Row Read(PSObject o, int index, string? region)
        {
            string? Prop(string name) => o.Properties[name]?.Value is object v && v.ToString() is string s && s.Trim().Length > 0 ? s.Trim() : null;
            var row = new Row { Index = index, Input = o, RawTo = o.Properties["To"] != null ? Prop("To") ?? "" : null, ForwardingNumberId = Prop("ForwardingNumberId") };
            string? why = null;
            if (row.RawTo == null) row.InputError = "The row has no To column.";
            else if (!PhoneNumber.TryNormalize(row.RawTo, region, out var to, out why)) row.InputError = $"{ErrorIds.InvalidPhoneNumber}: -To: {why}";
            else row.To = to;
            foreach (var (name, set) in new (string, Action<string>)[] { ("From", v => row.From = v), ("CallerId", v => row.CallerId = v) })
            {
                if (row.InputError != null || !(Prop(name) is string raw)) continue;
                if (PhoneNumber.TryNormalize(raw, region, out var e164, out why)) set(e164);
                else row.InputError = $"{ErrorIds.InvalidPhoneNumber}: -{name}: {why}";
            }
            return row;
        }

        private void MarkDuplicates(List<Row> rows)
        {
            foreach (var group in rows.Where(r => r.To != null).GroupBy(r => (r.To, r.From)).Where(g => g.Count() > 1))
            {
                var list = group.ToList();
                if (Duplicates == RingOutDuplicateNumbers.PlaceOnce) foreach (var r in list.Skip(1)) r.SameAs = list[0];
                WriteWarning($"Rows {string.Join(", ", list.Select(r => r.Index + 1))} call the same number {group.Key.To}" + (group.Key.From != null ? $" from {group.Key.From}" : "") +
                             (Duplicates == RingOutDuplicateNumbers.PlaceOnce
                                 ? $": it is called once (row {list[0].Index + 1}), and the others report that call. -Duplicates PlaceEach calls it once per row."
                                 : ": it is called once per row, as -Duplicates PlaceEach asks."));
            }
        }

        private TimeProvider _clock = TimeProvider.System;

        /// <summary>One line of the run's record (a call placed, a call settled): shown with -InformationAction Continue, and kept by a transcript.</summary>
        private void Say(string line) => WriteInformation(new InformationRecord(Iso(_clock.GetUtcNow()) + " " + line, "Invoke-RingOutBatch") { Tags = { Tag } });

        private static string Iso(DateTimeOffset t) => BatchJournal.Iso(t);

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

            void Settle(Row row, string state, string? result, int? duration, string? outcome, string source, string? from)
            {
                row.State = state; row.Result = result; row.Duration = duration; row.Outcome = outcome; row.Source = source; row.Final = true;
                row.ResolvedFrom = from ?? row.ResolvedFrom;
                journal.Settled(row.Index, state, row.ResolvedFrom, result, duration, outcome, source);
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
                Settle(row, state, call.Result, call.Duration is TimeSpan d ? (int?)(int)Math.Round(d.TotalSeconds) : null, outcome, SourceOf(call, failure), call.From ?? call.CallLog?.From);
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
                catch (RingOutEventsUnavailableException e) { throw Terminate(ErrorMapping.Failure(e, null)); }
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
                        row.State = held.State; row.Result = held.Result; row.Duration = held.DurationSeconds; row.Outcome = held.Outcome; row.Source = held.Source; row.Final = true;
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
            if (rows.Any(r => !r.Final && r.Call == null && r.SameAs == null && r.InputError == null &&
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
                           Action<Row, string, string?, int?, string?, string, string?> settle)
        {
            var to = row.To!;
            var request = new RingOutCallRequest { To = to, From = row.From, CallerId = row.CallerId, ForwardingNumberId = row.ForwardingNumberId, DefaultRegion = DefaultRegion ?? session.HomeCountry };
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

        /// <summary>Where a call's outcome came from, in one word or two.</summary>
        private static string SourceOf(RingOutCall call, string? failure) =>
            failure != null || call.State == RingOutCallState.Unknown ? "none"
            : call.CallLog != null ? "call log"
            : call.TelephonySessionId != null ? "events"
            : "RingOut status";

        private PSObject Report(Row row)
        {
            var o = new PSObject();
            foreach (var p in row.Input.Properties)
                if (!ReportColumns.Contains(p.Name, StringComparer.OrdinalIgnoreCase)) o.Properties.Add(new PSNoteProperty(p.Name, p.Value));
            o.Properties.Add(new PSNoteProperty("Id", row.Id ?? ""));
            o.Properties.Add(new PSNoteProperty("State", row.State ?? ""));
            o.Properties.Add(new PSNoteProperty("From", row.ResolvedFrom ?? ""));
            o.Properties.Add(new PSNoteProperty("PlacedAt", row.PlacedAt is DateTimeOffset t ? BatchJournal.Iso(t) : ""));
            o.Properties.Add(new PSNoteProperty("Result", row.Result ?? ""));
            o.Properties.Add(new PSNoteProperty("Duration", row.Duration is int d ? d.ToString(CultureInfo.InvariantCulture) : ""));
            o.Properties.Add(new PSNoteProperty("Source", row.Source ?? ""));
            o.Properties.Add(new PSNoteProperty("Outcome", row.Outcome ?? ""));
            o.Properties.Add(new PSNoteProperty("Error", row.Error ?? ""));
            o.TypeNames.Insert(0, "RingOut.BatchRow");
            return o;
        }

        private void WriteCsv(string path, List<Row> rows, List<PSObject> report)
        {
            var columns = report.Count > 0 ? report[0].Properties.Select(p => p.Name).ToList() : ReportColumns.ToList();
            var lines = report.Select(o => (IReadOnlyList<string?>)columns.Select(c =>
            {
                var text = o.Properties[c]?.Value is object v ? Convert.ToString(v, CultureInfo.InvariantCulture) : null;
                return ServerText.Contains(c) ? SafeCsv.Neutralize(text) : text;
            }).ToList());
            try { SafeCsv.WriteAtomically(path, SafeCsv.Format(columns, lines)); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                WriteError(NotWritable("-OutFile", path, e));
            }
        }
    }
}
