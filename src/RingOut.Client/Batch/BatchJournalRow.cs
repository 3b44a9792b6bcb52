using System;
using System.IO;

namespace RingOut.Client.Batch
{
    /// <summary>Where one row of a bulk run stands, as its journal says.</summary>
    public enum BatchRowPhase
    {
        /// <summary>Nothing was asked of RingCentral for it.</summary>
        None,
        /// <summary>The POST was about to be sent, and no answer was recorded: it may have rung.</summary>
        Sending,
        /// <summary>RingCentral accepted it: its id is known.</summary>
        Placed,
        /// <summary>RingCentral refused it (or it was not a number): it was not placed.</summary>
        Refused,
        /// <summary>The POST's outcome could not be learned: it may have rung.</summary>
        OutcomeUnknown,
        /// <summary>Its outcome is known (or known to be unknown): nothing more will be learned.</summary>
        Settled,
    }

    /// <summary>What the journal holds of one row: the latest of its records, merged.</summary>
    public sealed class BatchJournalRow
    {
        public BatchJournalRow(int row) { Row = row; }
        public int Row { get; }
        public BatchRowPhase Phase { get; internal set; }
        public string? To { get; internal set; }
        public string? Id { get; internal set; }
        public string? From { get; internal set; }
        public string? AccountId { get; internal set; }
        public string? ExtensionId { get; internal set; }
        /// <summary>When the POST was sent (Sending), or when RingCentral accepted it (Placed).</summary>
        public DateTimeOffset? SentAt { get; internal set; }
        public DateTimeOffset? PlacedAt { get; internal set; }
        public string? State { get; internal set; }
        public string? Result { get; internal set; }
        public int? DurationSeconds { get; internal set; }
        public string? Outcome { get; internal set; }
        public string? Source { get; internal set; }
        public string? Error { get; internal set; }
    }

    /// <summary>A journal another run holds: two runs of one journal never place calls together.</summary>
    public sealed class BatchJournalInUseException : IOException
    {
        public BatchJournalInUseException(string message, Exception inner) : base(message, inner) { }
    }

    /// <summary>A journal written for another input: its rows cannot be trusted to be this input's.</summary>
    public sealed class BatchJournalMismatchException : InvalidOperationException
    {
        public BatchJournalMismatchException(string message) : base(message) { }
    }
}
