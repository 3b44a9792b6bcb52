using System;

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
        }

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

        private bool CallerFails =>
            Scenario == CallScenario.CallerBusy || Scenario == CallScenario.CallerNoAnswer ||
            Scenario == CallScenario.CallerGenericError || Scenario == CallScenario.InternalFailure;

        private string CalleeFailure
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

        /// <summary>The state of the call at <paramref name="now"/>.</summary>
        public CallState StateAt(DateTimeOffset now)
        {
            var e = now - CreatedAt;
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

        /// <summary>Cancels the call if it can be cancelled at <paramref name="now"/>.</summary>
        internal bool TryCancel(DateTimeOffset now)
        {
            if (!StateAt(now).Cancellable) return false;
            CancelledAt = now;
            return true;
        }
    }
}
