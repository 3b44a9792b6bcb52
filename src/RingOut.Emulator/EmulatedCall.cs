using System;
using System.Collections.Generic;
using System.Linq;

namespace RingOut.Emulator
{
    /// <summary>The three status fields of a RingOut at one moment, and whether the call still exists then.</summary>
    public sealed class CallState
    {
        internal CallState(string call, string caller, string callee, bool gone, bool cancellable)
        {
            CallStatus = call; CallerStatus = caller; CalleeStatus = callee; Gone = gone; Cancellable = cancellable;
        }

        public string CallStatus { get; }
        public string CallerStatus { get; }
        public string CalleeStatus { get; }
        /// <summary>The retention time has passed: GET and DELETE answer 404 CMN-102.</summary>
        public bool Gone { get; }
        /// <summary>DELETE would cancel it: the callee leg is still InProgress.</summary>
        public bool Cancellable { get; }

        public override string ToString() => $"{CallStatus}/{CallerStatus}/{CalleeStatus}{(Gone ? " (gone)" : "")}";
    }

    /// <summary>
    /// One RingOut. Its state is a pure function of the time elapsed since it was made (and of a cancellation),
    /// so the emulator needs no timers: whatever clock it runs on, every poll sees the state for that instant.
    /// </summary>
    public sealed class EmulatedCall
    {
        private const string InProgress = "InProgress", Success = "Success", Finished = "Finished", CannotReach = "CannotReach";
        private readonly EmulatorOptions _o;

        internal EmulatedCall(long id, EmulatedUser owner, string from, string to, bool playPrompt, DateTimeOffset createdAt, EmulatorOptions options)
        {
            Id = id; Owner = owner; From = from; To = to; PlayPrompt = playPrompt; CreatedAt = createdAt; _o = options;
            Scenario = ScenarioNumbers.For(from, to);
            // RingCentral's other two keys for the same call: neither can be derived from the RingOut id by a client.
            TelephonySessionId = "s-a0" + ((ulong)id * 2654435761UL % 0xFFFFFFFFFFUL).ToString("x10", System.Globalization.CultureInfo.InvariantCulture) + "z" + (id % 97).ToString("x2", System.Globalization.CultureInfo.InvariantCulture);
            SessionId = (400_000_000_000L + (id * 7919L % 100_000_000_000L)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        /// <summary>The telephony session id: the key of Call Control, the call log and telephony events.</summary>
        public string TelephonySessionId { get; }
        /// <summary>The legacy session id of the call log and telephony events.</summary>
        public string SessionId { get; }
        /// <summary>When Call Control ended the connected call, if it did.</summary>
        public DateTimeOffset? HungUpAt { get; private set; }

        public long Id { get; }
        public EmulatedUser Owner { get; }
        public string From { get; }
        public string To { get; }
        public bool PlayPrompt { get; }
        public DateTimeOffset CreatedAt { get; }
        public CallScenario Scenario { get; }
        public DateTimeOffset? CancelledAt { get; private set; }

        private TimeSpan CallerOutcomeAfter
        {
            get
            {
                switch (Scenario)
                {
                    case CallScenario.CallerBusy: return _o.BusyDelay;
                    case CallScenario.CallerNoAnswer: return _o.NoAnswerTimeout;
                    case CallScenario.CallerGenericError:
                    case CallScenario.InternalFailure: return _o.ErrorDelay;
                    default: return _o.CallerAnswerDelay;
                }
            }
        }

        private TimeSpan CalleeStartsAfter => CallerOutcomeAfter + (PlayPrompt ? _o.PromptDelay : TimeSpan.Zero);

        private TimeSpan CalleeOutcomeAfter
        {
            get
            {
                switch (Scenario)
                {
                    case CallScenario.CalleeBusy: return _o.BusyDelay;
                    case CallScenario.CalleeNoAnswer: return _o.NoAnswerTimeout;
                    case CallScenario.CalleeRejects: return _o.RejectDelay;
                    case CallScenario.CalleeGenericError:
                    case CallScenario.InternationalDisabled: return _o.ErrorDelay;
                    case CallScenario.LongRing: return _o.LongRingDelay;
                    default: return _o.CalleeAnswerDelay;
                }
            }
        }

        /// <summary>The phone rung first did not answer (busy, no answer, error) or the call was cancelled before it did: the callee was never rung.</summary>
        public bool CallerFailed => CallerFails || (CancelledAt is DateTimeOffset c && c - CreatedAt < CallerOutcomeAfter);

        private bool CallerFails =>
            Scenario == CallScenario.CallerBusy || Scenario == CallScenario.CallerNoAnswer ||
            Scenario == CallScenario.CallerGenericError || Scenario == CallScenario.InternalFailure;

        private string? CalleeFailure
        {
            get
            {
                switch (Scenario)
                {
                    case CallScenario.CalleeBusy: return "Busy";
                    case CallScenario.CalleeNoAnswer: return "NoAnswer";
                    case CallScenario.CalleeRejects: return "Rejected";
                    case CallScenario.CalleeGenericError: return "GenericError";
                    case CallScenario.InternationalDisabled: return "InternationalDisabled";
                    default: return null;
                }
            }
        }

        /// <summary>When the callee answered (the call connected), for a call that connects.</summary>
        public DateTimeOffset? ConnectedAt =>
            CallerFails || CalleeFailure != null || (CancelledAt is DateTimeOffset c && c < CreatedAt + CalleeStartsAfter + CalleeOutcomeAfter)
                ? (DateTimeOffset?)null : CreatedAt + CalleeStartsAfter + CalleeOutcomeAfter;

        /// <summary>When the call is over, whatever its outcome: failed, cancelled, hung up or finished after talking.</summary>
        public DateTimeOffset EndedAt
        {
            get
            {
                if (CancelledAt is DateTimeOffset cancelled) return cancelled;
                if (CallerFails) return CreatedAt + CallerOutcomeAfter;
                var outcome = CreatedAt + CalleeStartsAfter + CalleeOutcomeAfter;
                if (CalleeFailure != null) return outcome;
                var finished = outcome + _o.TalkTime;
                return HungUpAt is DateTimeOffset h && h < finished ? h : finished;
            }
        }

        /// <summary>
        /// The call log's result and reason for this call, each among the spec's values (CallResultEnum,
        /// CallResultReasonEnum). Which value RingCentral gives a cancelled or rejected RingOut is not documented:
        /// "Hang Up", "Calls Not Accepted" and "Failed Try Again" are the emulator's choice.
        /// </summary>
        public (string result, string reason) LogResult
        {
            get
            {
                if (CancelledAt != null) return ("Hang Up", "Hang Up");
                switch (Scenario)
                {
                    case CallScenario.CalleeBusy: case CallScenario.CallerBusy: return ("Busy", "Line Busy");
                    case CallScenario.CalleeNoAnswer: case CallScenario.CallerNoAnswer: return ("No Answer", "Not Answered");
                    case CallScenario.CalleeRejects: return ("Rejected", "Calls Not Accepted");
                    case CallScenario.InternationalDisabled: return ("International Disabled", "International Disabled");
                    case CallScenario.CalleeGenericError: case CallScenario.CallerGenericError: case CallScenario.InternalFailure: return ("Call Failed", "Failed Try Again");
                    default: return ("Call connected", "Accepted");
                }
            }
        }

        /// <summary>The moments a leg's status may change, in order: what telephony events are made from.</summary>
        internal IEnumerable<DateTimeOffset> ChangePoints()
        {
            var points = new SortedSet<DateTimeOffset>
            {
                CreatedAt,
                CreatedAt + CallerOutcomeAfter,
                CreatedAt + CalleeStartsAfter + CalleeOutcomeAfter,
                EndedAt,
            };
            if (CancelledAt is DateTimeOffset c) points.Add(c);
            if (HungUpAt is DateTimeOffset h) points.Add(h);
            var end = EndedAt;
            return points.Where(p => p <= end);
        }

        /// <summary>Whether the call is still under way at <paramref name="now"/> (an active call).</summary>
        public bool IsActiveAt(DateTimeOffset now) => now < EndedAt && now >= CreatedAt;

        /// <summary>The state of the call at <paramref name="now"/>.</summary>
        public CallState StateAt(DateTimeOffset now)
        {
            var e = now - CreatedAt;
            if (HungUpAt is DateTimeOffset hungUp && hungUp <= now)
                return new CallState("Success", Finished, Finished, now >= hungUp + _o.Retention, false);
            if (CancelledAt is DateTimeOffset cancelled && cancelled <= now)
            {
                var callerAnswered = !CallerFails && cancelled - CreatedAt >= CallerOutcomeAfter;
                return new CallState(CannotReach, callerAnswered ? Finished : "Rejected", "Rejected",
                    now >= cancelled + _o.Retention, false);
            }

            // Leg 1: RingCentral rings the caller.
            if (e < CallerOutcomeAfter) return new CallState(InProgress, InProgress, InProgress, false, true);
            if (CallerFails)
            {
                var ended = CreatedAt + CallerOutcomeAfter;
                var gone = now >= ended + _o.Retention;
                switch (Scenario)
                {
                    case CallScenario.CallerBusy: return new CallState(CannotReach, "Busy", InProgress, gone, false);
                    case CallScenario.CallerNoAnswer: return new CallState(CannotReach, "NoAnswer", InProgress, gone, false);
                    case CallScenario.CallerGenericError: return new CallState(CannotReach, "GenericError", InProgress, gone, false);
                    default: return new CallState("NoAnsweringMachine", "GenericError", InProgress, gone, false);
                }
            }

            // Leg 2: the caller answered (and pressed 1 with playPrompt); RingCentral rings the callee.
            var calleeOutcome = CalleeStartsAfter + CalleeOutcomeAfter;
            if (e < calleeOutcome) return new CallState(InProgress, Success, InProgress, false, true);
            var settledAt = CreatedAt + calleeOutcome;
            var isGone = now >= settledAt + _o.Retention;
            var failure = CalleeFailure;
            if (failure != null) return new CallState(CannotReach, Finished, failure, isGone, false);
            if (e < calleeOutcome + _o.TalkTime) return new CallState(Success, Success, Success, isGone, false);
            return new CallState(Success, Finished, Finished, isGone, false);
        }

        /// <summary>Call Control: ends the call for every party if it is connected at <paramref name="now"/>.</summary>
        internal bool TryHangUp(DateTimeOffset now)
        {
            if (ConnectedAt is DateTimeOffset connected && connected <= now && now < EndedAt) { HungUpAt = now; return true; }
            return false;
        }

        /// <summary>Cancels the call if it can be cancelled at <paramref name="now"/>.</summary>
        internal bool TryCancel(DateTimeOffset now)
        {
            if (!StateAt(now).Cancellable) return false;
            CancelledAt = now;
            return true;
        }
    }
}
