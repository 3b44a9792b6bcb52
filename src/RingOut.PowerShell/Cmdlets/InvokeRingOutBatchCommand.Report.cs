using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using RingOut.Client;
using RingOut.Client.Batch;

namespace RingOut.PowerShell
{
    /// <summary>Invoke-RingOutBatch's report: one row per input row, as objects and as a CSV file.</summary>
    public sealed partial class InvokeRingOutBatchCommand
    {
        /// <summary>The report's own columns, after the input's.</summary>
        public static readonly string[] ReportColumns = { "Id", "State", "From", "PlacedAt", "Result", "Duration", "Source", "Outcome", "Error" };
        /// <summary>Columns whose text comes from a server (or from errors that quote it): written as text in a CSV file.</summary>
        private static readonly HashSet<string> ServerText = new HashSet<string>(new[] { "State", "Result", "Source", "Outcome", "Error", "From" }, StringComparer.OrdinalIgnoreCase);

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
            o.Properties.Add(new PSNoteProperty("Duration", row.Duration)); // a TimeSpan, as a call's; null when unknown
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
