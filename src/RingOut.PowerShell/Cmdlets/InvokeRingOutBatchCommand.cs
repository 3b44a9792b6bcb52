using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
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
    [Cmdlet(VerbsLifecycle.Invoke, "RingOutBatch", HelpUri = "https://github.com/ringout/RingOut.PowerShell/blob/main/docs/RingOut/Invoke-RingOutBatch.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PSObject))]
    public sealed partial class InvokeRingOutBatchCommand : RingOutCmdlet
    {
        private const string Tag = "RingOut.Batch";

        /// <summary>A row: an object with a To property (or PhoneNumber, Phone, Number, Destination: the number to call), and optionally From, CallerId and ForwardingNumberId; Import-Csv's rows.</summary>
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
            public TimeSpan? Duration;
            public DateTimeOffset? PlacedAt;
            public string? Id, ResolvedFrom;
            public bool Final;
            /// <summary>Not to be placed: -WhatIf, or No at the -Confirm prompt.</summary>
            public bool Declined;
        }

        protected override void EndProcessing()
        {
            var session = RequireSession(Session);
            var region = session.RegionFor(DefaultRegion);
            var rows = _rows.Select((o, i) => Read(o, i, region)).ToList();
            if (rows.Count > 0 && rows.All(r => r.RawTo == null))
                throw Terminate(ErrorMapping.NoNumberProperty(_rows[0], ErrorIds.NoToColumn, "Invoke-RingOutBatch"));
            MarkDuplicates(rows);

            // The journal an earlier run left is read first: a row it holds is collected, never placed again, so it is
            // neither offered at -Confirm nor said by -WhatIf to be placed. A journal not there yet is made only after.
            var journalPath = GetUnresolvedProviderPathFromPSPath(JournalPath);
            var journal = File.Exists(journalPath) ? OpenJournal(journalPath) : null;
            try
            {
                // -WhatIf and -Confirm: asked for each row the run would place, before anything is written or anyone rung.
                var whatIf = WhatIfAsked();
                foreach (var row in rows.Where(r => r.To != null && r.SameAs == null))
                {
                    var target = $"{row.To} (row {row.Index + 1}{(row.From != null ? ", ringing " + row.From + " first" : "")})";
                    if (journal != null && journal.Rows.TryGetValue(row.Index, out var held) && held.Phase != BatchRowPhase.None)
                    {
                        if (whatIf) ShouldProcess(target, "Collect its outcome from the journal (placed by an earlier run: not placed again)");
                        continue;
                    }
                    row.Declined = !ShouldProcess(target, "Place RingOut call");
                }
                if (whatIf) return;

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
                journal ??= OpenJournal(journalPath);
                Run(session, rows, journal, outFile);
            }
            finally { journal?.Dispose(); }
            base.EndProcessing();
        }

        private BatchJournal OpenJournal(string journalPath)
        {
            try { return BatchJournal.Open(journalPath); }
            catch (BatchJournalInUseException e) { throw Terminate(new ErrorRecord(e, ErrorIds.JournalInUse, ErrorCategory.ResourceBusy, journalPath)); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException)
            {
                throw Terminate(NotWritable("-JournalPath", journalPath, e));
            }
        }

        /// <summary>-WhatIf given, or $WhatIfPreference set: nothing is written, not even the journal.</summary>
        private bool WhatIfAsked() =>
            MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w) ? w is SwitchParameter s && s.IsPresent
                : LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference"));

        private static ErrorRecord NotWritable(string parameter, string path, Exception e) =>
            new ErrorRecord(new IOException($"{parameter} '{path}' cannot be written ({e.Message}): nothing was placed.", e), ErrorIds.NotWritable, ErrorCategory.WriteError, path);

        private static Row Read(PSObject o, int index, string? region)
        {
            static string? Text(PSPropertyInfo? p) => p?.Value is object v && v.ToString() is string s && s.Trim().Length > 0 ? s.Trim() : null;
            string? Prop(string name) => Text(o.Properties[name]);
            var number = NumberPropertyAttribute.NumberOf(o);
            var row = new Row { Index = index, Input = o, RawTo = number != null ? Text(number) ?? "" : null, ForwardingNumberId = Prop("ForwardingNumberId") };
            string? why = null;
            if (row.RawTo == null) row.InputError = $"{ErrorIds.NoPhoneNumberProperty}: {UserMessages.NoNumberProperty(NumberPropertyAttribute.To, NumberPropertyAttribute.NamesText, RowMarkerAttribute.PropertiesOf(o))}";
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
    }
}
