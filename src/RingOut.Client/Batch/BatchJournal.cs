using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace RingOut.Client.Batch
{
    /// <summary>
    /// The durable record of a bulk run: one JSON object per line, each written and flushed to the disk (fsync)
    /// before the step it records goes on: "sending" before a POST, "placed" with the id the moment RingCentral
    /// answers it, "unknown" when its answer was lost, "outcome" when the call settles, "end" when the run finishes.
    /// A run killed at any instant leaves a journal that says which rows may have rung; a torn last line is ignored.
    /// The file is held open without sharing (an OS lock, released when the process dies, however it dies), so two
    /// runs of one journal cannot both place calls.
    /// </summary>
    public sealed class BatchJournal : IDisposable
    {
        private readonly FileStream _file;
        private readonly Dictionary<int, BatchJournalRow> _rows = new Dictionary<int, BatchJournalRow>();

        private BatchJournal(string path, FileStream file) { Path = path; _file = file; }

        public string Path { get; }
        /// <summary>The rows earlier runs (and this one) recorded, by their index in the input (0-based).</summary>
        public IReadOnlyDictionary<int, BatchJournalRow> Rows => _rows;
        /// <summary>Runs recorded before this one.</summary>
        public int EarlierRuns { get; private set; }
        /// <summary>The last earlier run began and never recorded its end: it was killed, or its machine stopped.</summary>
        public bool StoppedUncleanly { get; private set; }
        /// <summary>When the last earlier run began.</summary>
        public DateTimeOffset? LastRunStarted { get; private set; }
        private string? _fingerprint;
        private int? _rowCount;

        /// <summary>
        /// Opens (or creates) a journal and takes its lock; throws <see cref="BatchJournalInUseException"/> when another
        /// run holds it, and an <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> when it cannot be written.
        /// </summary>
        public static BatchJournal Open(string path)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            FileStream file;
            try
            {
                file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 4096, FileOptions.None);
            }
            catch (IOException e) when (!(e is FileNotFoundException) && !(e is DirectoryNotFoundException) && !(e is PathTooLongException) && File.Exists(path))
            {
                throw new BatchJournalInUseException($"The journal '{path}' is in use by another run (it holds the file's lock): two runs of one journal never place calls together. Wait for that run to end, or give this run another journal.", e);
            }
            var journal = new BatchJournal(path, file);
            try { journal.Load(); }
            catch { file.Dispose(); throw; }
            return journal;
        }

        private void Load()
        {
            var bytes = new byte[_file.Length];
            var read = 0;
            while (read < bytes.Length)
            {
                var n = _file.Read(bytes, read, bytes.Length - read);
                if (n == 0) break;
                read += n;
            }
            var text = Encoding.UTF8.GetString(bytes, 0, read);
            var open = false;
            foreach (var line in text.Split('\n'))
            {
                if (line.Trim().Length == 0) continue;
                JsonDocument doc;
                try { doc = JsonDocument.Parse(line); }
                catch (JsonException) { continue; } // a line torn by a kill: what it was about to say was not done yet
                using (doc)
                {
                    var r = doc.RootElement;
                    if (r.ValueKind != JsonValueKind.Object) continue;
                    var kind = Str(r, "event");
                    switch (kind)
                    {
                        case "begin":
                            EarlierRuns++;
                            open = true;
                            LastRunStarted = Time(r, "at");
                            // A begin line whose input cannot be read serves no input: Begin then refuses the journal.
                            _fingerprint = _fingerprint ?? Str(r, "input") ?? "(unreadable)";
                            if (r.TryGetProperty("rows", out var rc) && rc.ValueKind == JsonValueKind.Number && rc.TryGetInt32(out var count)) _rowCount = _rowCount ?? count;
                            continue;
                        case "end":
                            open = false;
                            continue;
                    }
                    if (!r.TryGetProperty("row", out var rowValue) || rowValue.ValueKind != JsonValueKind.Number || !rowValue.TryGetInt32(out var index) || index < 0) continue;
                    if (!_rows.TryGetValue(index, out var row)) _rows[index] = row = new BatchJournalRow(index);
                    Apply(row, kind, r);
                }
            }
            StoppedUncleanly = open;
            // A kill may have torn the last line: what comes next starts on a line of its own.
            if (read > 0 && bytes[read - 1] != (byte)'\n') Append(Encoding.UTF8.GetBytes("\n"));
            _file.Seek(0, SeekOrigin.End);
        }

        private static void Apply(BatchJournalRow row, string? kind, JsonElement r)
        {
            row.To = Str(r, "to") ?? row.To;
            switch (kind)
            {
                case "sending":
                    row.Phase = BatchRowPhase.Sending;
                    row.SentAt = Time(r, "at");
                    break;
                case "placed":
                    row.Phase = BatchRowPhase.Placed;
                    row.Id = Json.IdString(r, "id");
                    // Placed, but by a call that cannot be named: it may have rung, and is never placed again.
                    if (row.Id == null) { row.Phase = BatchRowPhase.OutcomeUnknown; row.Error = "The journal says this row's call was placed, but its id cannot be read: it may have rung."; }
                    row.From = Str(r, "from");
                    row.AccountId = Str(r, "account");
                    row.ExtensionId = Str(r, "extension");
                    row.PlacedAt = Time(r, "at");
                    break;
                case "refused":
                case "released":
                case "unknown":
                    row.Phase = kind == "refused" ? BatchRowPhase.Refused : kind == "released" ? BatchRowPhase.None : BatchRowPhase.OutcomeUnknown;
                    row.Error = Str(r, "error");
                    break;
                case "outcome":
                    row.Phase = BatchRowPhase.Settled;
                    row.State = Str(r, "state");
                    row.Result = Str(r, "result");
                    row.Outcome = Str(r, "outcome");
                    row.Source = Str(r, "source");
                    row.From = Str(r, "from") ?? row.From;
                    row.DurationSeconds = r.TryGetProperty("duration", out var d) && d.ValueKind == JsonValueKind.Number && d.TryGetInt32(out var s) ? s : (int?)null;
                    break;
            }
        }

        /// <summary>A fingerprint of the numbers of an input, in order: a journal serves only the input it was written for.</summary>
        public static string Fingerprint(IEnumerable<string?> numbers)
        {
            using (var sha = SHA256.Create())
            {
                var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(string.Join("\n", numbers.Select(n => (n ?? "").Trim()))));
                return string.Concat(hash.Take(16).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
            }
        }

        /// <summary>Records the start of a run; throws <see cref="BatchJournalMismatchException"/> when earlier runs had another input.</summary>
        public void Begin(int rows, string fingerprint, DateTimeOffset at)
        {
            if (_fingerprint != null && (_fingerprint != fingerprint || _rowCount != rows))
                throw new BatchJournalMismatchException(
                    $"The journal '{Path}' was written for another input ({_rowCount} rows, other numbers or another order): its rows cannot be told to be this input's, so nothing is placed. Give the input it was written for, or another journal.");
            _fingerprint = fingerprint;
            _rowCount = rows;
            Write(w => { w.WriteString("event", "begin"); w.WriteString("at", Iso(at)); w.WriteNumber("rows", rows); w.WriteString("input", fingerprint); });
        }

        /// <summary>Before the POST of a row is sent.</summary>
        public void Sending(int row, string to, DateTimeOffset at) =>
            Record(row, "sending", w => { w.WriteString("to", to); w.WriteString("at", Iso(at)); });

        /// <summary>The moment RingCentral accepted a row's call.</summary>
        public void Placed(int row, RingOutCall call) =>
            Record(row, "placed", w =>
            {
                w.WriteString("to", call.To);
                w.WriteString("id", call.Id);
                if (call.From != null) w.WriteString("from", call.From);
                w.WriteString("account", call.AccountId);
                w.WriteString("extension", call.ExtensionId);
                w.WriteString("at", Iso(call.PlacedAt));
            });

        /// <summary>A row that was not placed: RingCentral refused it, or it is not a number.</summary>
        public void Refused(int row, string? to, string error) => Failed(row, "refused", to, error);

        /// <summary>A row whose POST RingCentral refused before doing anything, for a reason of the run's (the session ended): a rerun places it.</summary>
        public void Released(int row, string? to, string error) => Failed(row, "released", to, error);

        /// <summary>A row whose POST's answer was lost: it may have rung.</summary>
        public void OutcomeUnknown(int row, string? to, string error) => Failed(row, "unknown", to, error);

        private void Failed(int row, string kind, string? to, string error) => Record(row, kind, w => { if (to != null) w.WriteString("to", to); w.WriteString("error", error); });

        /// <summary>A row's final outcome.</summary>
        public void Settled(int row, string state, string? from, string? result, int? durationSeconds, string? outcome, string source) =>
            Record(row, "outcome", w =>
            {
                w.WriteString("state", state);
                if (from != null) w.WriteString("from", from);
                if (result != null) w.WriteString("result", result);
                if (durationSeconds is int d) w.WriteNumber("duration", d);
                if (outcome != null) w.WriteString("outcome", outcome);
                w.WriteString("source", source);
            });

        /// <summary>The run finished (whatever its rows' outcomes): a later run is not told of an unclean stop.</summary>
        public void End(DateTimeOffset at) => Write(w => { w.WriteString("event", "end"); w.WriteString("at", Iso(at)); });

        private void Record(int row, string kind, Action<Utf8JsonWriter> fields)
        {
            var bytes = Line(w => { w.WriteString("event", kind); w.WriteNumber("row", row); fields(w); });
            using (var doc = JsonDocument.Parse(bytes))
            {
                if (!_rows.TryGetValue(row, out var r)) _rows[row] = r = new BatchJournalRow(row);
                Apply(r, kind, doc.RootElement);
            }
            Append(bytes);
        }

        private void Write(Action<Utf8JsonWriter> fields) => Append(Line(fields));

        private static byte[] Line(Action<Utf8JsonWriter> fields)
        {
            using (var buffer = new MemoryStream())
            {
                using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                {
                    w.WriteStartObject();
                    fields(w);
                    w.WriteEndObject();
                }
                buffer.WriteByte((byte)'\n');
                return buffer.ToArray();
            }
        }

        /// <summary>Writes one line and flushes it to the disk before returning: what it records is durable.</summary>
        private void Append(byte[] bytes)
        {
            _file.Write(bytes, 0, bytes.Length);
            _file.Flush(true);
        }

        internal static string Iso(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

        private static string? Str(JsonElement e, string name) => Json.Str(e, name);

        private static DateTimeOffset? Time(JsonElement e, string name) =>
            Str(e, name) is string s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : (DateTimeOffset?)null;

        public void Dispose() => _file.Dispose();
    }
}
