using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace RingOut.Client.Batch
{
    /// <summary>
    /// CSV files that are safe to open in a spreadsheet and never half written: every field quoted (RFC 4180), text a
    /// server wrote that begins with a formula's first character written as text (OWASP's CSV-injection rule), and the
    /// file replaced in one step (written beside it, flushed, renamed over it).
    /// </summary>
    public static class SafeCsv
    {
        /// <summary>The first characters that make Excel or LibreOffice read a cell as a formula (OWASP).</summary>
        private static readonly char[] FormulaStarts = { '=', '+', '-', '@', '\t', '\r' };

        /// <summary>
        /// Text from a server made safe for a spreadsheet: one that begins with =, +, -, @, tab or carriage return gets a
        /// leading apostrophe, which spreadsheets show as text. Anything else is kept as it is.
        /// </summary>
        public static string? Neutralize(string? text)
        {
            if (text == null || text.Length == 0 || Array.IndexOf(FormulaStarts, text[0]) < 0) return text;
            // A phone number in E.164 (+ and digits only) is a plain number, not a formula: kept as it is.
            if (text.Length > 1 && text[0] == '+' && text.Skip(1).All(c => c >= '0' && c <= '9')) return text;
            return "'" + text;
        }

        /// <summary>One field, quoted, its quotes doubled.</summary>
        public static string Field(string? value) => "\"" + (value ?? "").Replace("\"", "\"\"") + "\"";

        /// <summary>The text of a CSV file: a header line, then one line per row (CRLF, as Export-Csv on Windows and Excel write).</summary>
        public static string Format(IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string?>> rows)
        {
            var sb = new StringBuilder();
            sb.Append(string.Join(",", columns.Select(Field))).Append("\r\n");
            foreach (var row in rows) sb.Append(string.Join(",", row.Select(Field))).Append("\r\n");
            return sb.ToString();
        }

        /// <summary>Checks, before any work, that a file can be written where it is to go: makes and removes a file beside it.</summary>
        public static void CheckWritable(string path)
        {
            if (Directory.Exists(path)) throw new IOException($"'{path}' is a directory, not a file that can be written.");
            var probe = TempBeside(path);
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
            if (File.Exists(path))
                using (new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) { } // opened to write, not changed
        }

        /// <summary>Writes the whole file beside its place, flushes it to the disk, and renames it over the old one: a reader sees the old file or the new, never half of one.</summary>
        public static void WriteAtomically(string path, string text)
        {
            var temp = TempBeside(path);
            try
            {
                using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    var bytes = new UTF8Encoding(true).GetBytes(text);
                    var bom = new UTF8Encoding(true).GetPreamble();
                    file.Write(bom, 0, bom.Length);
                    file.Write(bytes, 0, bytes.Length);
                    file.Flush(true);
                }
                if (File.Exists(path)) File.Replace(temp, path, null);
                else File.Move(temp, path);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }

        private static string TempBeside(string path)
        {
            var full = System.IO.Path.GetFullPath(path);
            var dir = System.IO.Path.GetDirectoryName(full) ?? ".";
            return System.IO.Path.Combine(dir, "." + System.IO.Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp");
        }
    }
}
