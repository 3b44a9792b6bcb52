using System;

namespace RingOut.Client
{
    /// <summary>Every value RingCentral documents for callStatus, callerStatus and calleeStatus; Unknown for anything else.</summary>
    public enum RingOutStatus
    {
        Unknown = 0,
        InProgress,
        Success,
        Finished,
        Busy,
        NoAnswer,
        Rejected,
        GenericError,
        InternationalDisabled,
        DestinationBlocked,
        NotEnoughFunds,
        NoSuchUser,
        RingOutFromThisNumberIsNotSupported,
        Error,
        CannotReach,
        NoAnsweringMachine,
        NoSessionFound,
        Invalid,
    }

    /// <summary>Where a call stands, from its three statuses.</summary>
    public enum RingOutCallState
    {
        /// <summary>Still ringing one leg or the other.</summary>
        InProgress,
        /// <summary>Both legs answered: the parties are talking.</summary>
        Connected,
        /// <summary>The call connected and has ended.</summary>
        Ended,
        /// <summary>The call did not connect (busy, no answer, rejected or cancelled, error, …).</summary>
        Failed,
        /// <summary>RingCentral no longer knows the call (404 / NoSessionFound): it was set up or is over. Not a failure.
        /// Wait-RingOutCall then goes on to the call log for the call's outcome, and writes Ended, Failed or Unknown.</summary>
        Gone,
        /// <summary>RingCentral forgot the call and its outcome could not be established; <see cref="RingOutCall.Outcome"/> says why.</summary>
        Unknown,
    }

    internal static class StatusText
    {
        public static RingOutStatus Parse(string? text)
        {
            if (text is null || text.Length == 0) return RingOutStatus.Unknown;
            if (string.Equals(text, "NosuchUser", StringComparison.OrdinalIgnoreCase)) return RingOutStatus.NoSuchUser; // the spec's spelling
            return Enum.TryParse<RingOutStatus>(text, true, out var s) && Enum.IsDefined(typeof(RingOutStatus), s) && !int.TryParse(text, out _)
                ? s : RingOutStatus.Unknown;
        }
    }
}
