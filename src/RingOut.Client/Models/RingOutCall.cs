using System;
using System.Globalization;
using System.Linq;

namespace RingOut.Client
{
    /// <summary>
    /// One snapshot of a RingOut call, as RingCentral reported it at <see cref="RetrievedAt"/>. Immutable:
    /// a newer snapshot is a new object.
    /// </summary>
    public sealed class RingOutCall
    {
        internal RingOutCall(string id, string? uri, string? callStatus, string? callerStatus, string? calleeStatus,
            string? from, string? to, string accountId, string extensionId, DateTimeOffset placedAt, DateTimeOffset retrievedAt,
            bool isGone, RingCentralSession session, DateTimeOffset? sentAt = null)
        {
            Id = id; Uri = uri;
            // A call that failed has no leg still under way: a leg never reached (the callee of a caller who was
            // busy) could not be reached.
            if (IsFailure(callStatus))
            {
                if (callerStatus == "InProgress") callerStatus = "CannotReach";
                if (calleeStatus == "InProgress") calleeStatus = "CannotReach";
            }
            CallStatusText = callStatus; CallerStatusText = callerStatus; CalleeStatusText = calleeStatus;
            SentAt = sentAt ?? placedAt;
            CallStatus = StatusText.Parse(callStatus); CallerStatus = StatusText.Parse(callerStatus); CalleeStatus = StatusText.Parse(calleeStatus);
            From = from; To = to; AccountId = accountId; ExtensionId = extensionId;
            PlacedAt = placedAt; RetrievedAt = retrievedAt; IsGone = isGone; Session = session;
        }

        /// <summary>RingCentral's id of the call: an opaque string (the server sends a number).</summary>
        public string Id { get; }
        /// <summary>The call's resource address as RingCentral gave it (it uses the legacy /ringout/ segment).</summary>
        public string? Uri { get; }
        public RingOutStatus CallStatus { get; }
        /// <summary>The caller leg: the <see cref="From"/> phone, rung first.</summary>
        public RingOutStatus CallerStatus { get; }
        /// <summary>The callee leg: the <see cref="To"/> number, rung once the caller answers.</summary>
        public RingOutStatus CalleeStatus { get; }
        /// <summary>callStatus exactly as sent, kept when it is a value this version does not know.</summary>
        public string? CallStatusText { get; }
        public string? CallerStatusText { get; }
        public string? CalleeStatusText { get; }
        /// <summary>The number rung first, or null when RingCentral chose the default forwarding number.</summary>
        public string? From { get; }
        public string? To { get; }
        public string AccountId { get; }
        public string ExtensionId { get; }
        /// <summary>When the call was placed (when this client saw RingCentral accept it).</summary>
        public DateTimeOffset PlacedAt { get; }
        /// <summary>When this client sent the request that placed the call (at or before <see cref="PlacedAt"/>).</summary>
        public DateTimeOffset SentAt { get; }
        /// <summary>When this snapshot was taken.</summary>
        public DateTimeOffset RetrievedAt { get; }
        /// <summary>RingCentral no longer knows the call; the statuses are the last ones seen.</summary>
        public bool IsGone { get; }

        internal RingCentralSession Session { get; }

        private CallLogRecord? _record;
        private string? _unresolved;
        /// <summary>Why a call settled by its own statuses has no Result and Duration, when it has none.</summary>
        private string? _note;
        private string? _telephonySessionId;
        // Told by telephony events: the result in the call log's words and the time talked, from the events' times.
        private string? _result;
        private TimeSpan? _duration;

        /// <summary>The call log's record of the call, once RingCentral forgot the RingOut and the record was found.</summary>
        public CallLogRecord? CallLog => _record;
        /// <summary>The telephony session id (the key of Call Control and the call log), where RingCentral gave it.</summary>
        public string? TelephonySessionId => _record?.TelephonySessionId ?? _telephonySessionId;
        /// <summary>How long the parties talked: from the call log, or from the times of the telephony events (<see cref="Outcome"/> says which).</summary>
        public TimeSpan? Duration => _record?.Duration ?? _duration;
        /// <summary>RingCentral's words for the outcome, as the call log words them: "Call connected", "Busy", "No Answer", …</summary>
        public string? Result => _record?.Result ?? _result;

        /// <summary>
        /// Where the final state comes from, in words: the RingOut's own statuses, the call log's record, or why the
        /// outcome could not be established. Null while the call is being followed.
        /// </summary>
        public string? Outcome
        {
            get
            {
                if (_unresolved != null) return _unresolved;
                if (_record != null)
                    return string.Format(CultureInfo.InvariantCulture, "call log: {0}{1}, {2:0} s", _record.Result, _record.Reason != null ? " (" + _record.Reason + ")" : "", _record.Duration.TotalSeconds);
                if (_result != null && IsFinal)
                    return _duration is TimeSpan talked
                        ? string.Format(CultureInfo.InvariantCulture, "telephony events: {0}, {1:0} s (from the events' times)", _result, talked.TotalSeconds)
                        : string.Format(CultureInfo.InvariantCulture, "telephony events: {0}, time talked unknown (the events did not say when it was answered and ended)", _result);
                return IsFinal ? (_note == null ? "RingOut status" : "RingOut status; " + _note) : null;
            }
        }

        public RingOutCallState State
        {
            get
            {
                if (_unresolved != null) return RingOutCallState.Unknown;
                if (_record != null) return _record.Connected ? RingOutCallState.Ended : RingOutCallState.Failed;
                if (CallStatus == RingOutStatus.NoSessionFound) return RingOutCallState.Gone;
                switch (CallStatus)
                {
                    case RingOutStatus.InProgress:
                        return IsGone ? RingOutCallState.Gone : RingOutCallState.InProgress;
                    case RingOutStatus.Success:
                        return CallerStatus == RingOutStatus.Finished || CalleeStatus == RingOutStatus.Finished
                            ? RingOutCallState.Ended
                            : IsGone ? RingOutCallState.Gone : RingOutCallState.Connected;
                    default:
                        return RingOutCallState.Failed;
                }
            }
        }

        /// <summary>Nothing about this call will change any more (ended, failed, gone or unknown).</summary>
        public bool IsFinal => State == RingOutCallState.Ended || State == RingOutCallState.Failed || State == RingOutCallState.Gone || State == RingOutCallState.Unknown;

        /// <summary>
        /// A newer snapshot from a telephony event: the legs' statuses as RingOut words them, read from the parties'
        /// (Proceeding → InProgress, Answered → Success, Disconnected → Finished or the reason: Busy, NoAnswer, …).
        /// </summary>
        internal RingOutCall UpdatedByEvent(TelephonyEvent e, TelephonyParty? caller, TelephonyParty? callee, DateTimeOffset at)
        {
            var callerStatus = LegStatus(caller);
            var calleeStatus = callee == null ? "InProgress" : LegStatus(callee);
            string? Failure(string leg) => leg != "InProgress" && leg != "Success" && leg != "Finished" ? leg : null;
            var failed = Failure(callerStatus) ?? Failure(calleeStatus);
            var callStatus = failed != null ? "CannotReach"
                : calleeStatus == "Success" || (calleeStatus == "Finished" && callerStatus != "InProgress") ? "Success"
                : "InProgress";
            if (failed != null && callerStatus == "Finished" && calleeStatus == "InProgress") calleeStatus = "GenericError";
            var c = new RingOutCall(Id, Uri, callStatus, callerStatus, calleeStatus, From, To, AccountId, ExtensionId, PlacedAt, at, false, Session, SentAt);
            c._telephonySessionId = e.TelephonySessionId;
            return c;
        }

        private static string LegStatus(TelephonyParty? p)
        {
            switch (p?.Code)
            {
                case null: case "Setup": case "Proceeding": return "InProgress";
                case "Answered": case "Hold": case "Parked": return "Success";
                case "Disconnected": case "Gone":
                    switch (p!.Reason)
                    {
                        case null: case "CallFinished": case "CallDropped": return "Finished";
                        case "TargetBusy": return "Busy";
                        case "NoAnswer": case "Timeout": return "NoAnswer";
                        case "Rejected": case "Cancelled": return "Rejected";
                        case "InternationalDisabled": return "InternationalDisabled";
                        case "DestinationBlocked": return "DestinationBlocked";
                        case "NotEnoughFunds": return "NotEnoughFunds";
                        case "NoSuchUser": return "NoSuchUser";
                        default: return "GenericError";
                    }
                default: return "InProgress"; // VoiceMail, Tds, …: still under way as far as RingOut is concerned
            }
        }

        /// <summary>
        /// This snapshot, with its outcome taken from the call log's record: the call's status from its result, each
        /// leg's from the record's legs (the Detailed view), else from what was seen of the legs and the result.
        /// </summary>
        internal RingOutCall ResolvedBy(CallLogRecord record, DateTimeOffset at, bool keepOwnStatuses = true)
        {
            string? caller, callee;
            string? callStatus = record.Connected ? "Success" : "CannotReach";
            if (keepOwnStatuses && (State == RingOutCallState.Ended || State == RingOutCallState.Failed))
            {
                // Settled by its own statuses (RingCentral's words): the record only adds the result and time talked.
                callStatus = CallStatusText; caller = CallerStatusText; callee = CalleeStatusText;
            }
            else if (record.Connected) caller = callee = "Finished";
            else
            {
                var legs = record.Legs.Where(l => l.To != null).ToList();
                var calleeLeg = legs.FirstOrDefault(l => CallCorrelation.Digits(l.To) == CallCorrelation.Digits(To));
                var callerLeg = legs.FirstOrDefault(l => l != calleeLeg);
                if (legs.Count > 0)
                {
                    caller = callerLeg == null ? "CannotReach" : LegOf(callerLeg.Result ?? record.Result);
                    callee = calleeLeg == null ? "CannotReach" : LegOf(calleeLeg.Result ?? record.Result);
                }
                else if (CallerStatus == RingOutStatus.Success || CallerStatus == RingOutStatus.Finished)
                {
                    caller = "Finished";
                    callee = LegOf(record.Result);
                }
                else
                {
                    // Which party failed is not said: neither leg is claimed to have.
                    caller = CallerStatus == RingOutStatus.InProgress ? "Unknown" : CallerStatusText ?? "Unknown";
                    callee = CalleeStatus == RingOutStatus.InProgress ? "Unknown" : CalleeStatusText ?? "Unknown";
                }
            }
            var c = new RingOutCall(Id, Uri, callStatus, caller, callee, From, To, AccountId, ExtensionId, PlacedAt, at, IsGone || State == RingOutCallState.InProgress || State == RingOutCallState.Connected, Session, SentAt);
            c._record = record;
            return c;
        }

        /// <summary>A leg's status, in RingOut's words, from the call log's words for its result.</summary>
        private static string LegOf(string? result)
        {
            if (CallLogRecord.IsConnectedResult(result)) return "Finished";
            switch (result?.ToUpperInvariant())
            {
                case "BUSY": return "Busy";
                case "NO ANSWER": case "MISSED": return "NoAnswer";
                case "REJECTED": case "DECLINED": case "HANG UP": case "STOPPED": return "Rejected";
                case "INTERNATIONAL DISABLED": return "InternationalDisabled";
                case "BLOCKED": return "DestinationBlocked";
                case "NO CREDIT": return "NotEnoughFunds";
                default: return "GenericError";
            }
        }

        /// <summary>The call log's words for the outcome a snapshot's statuses say: what <see cref="Result"/> holds for a call followed live.</summary>
        internal static string ResultOf(RingOutCall c)
        {
            if (c.CallStatus == RingOutStatus.Success) return "Call connected";
            var failed = c.CallerStatus != RingOutStatus.Finished && c.CallerStatus != RingOutStatus.Success && c.CallerStatus != RingOutStatus.CannotReach ? c.CallerStatus : c.CalleeStatus;
            switch (failed)
            {
                case RingOutStatus.Busy: return "Busy";
                case RingOutStatus.NoAnswer: return "No Answer";
                case RingOutStatus.Rejected: return "Rejected";
                case RingOutStatus.InternationalDisabled: return "International Disabled";
                case RingOutStatus.DestinationBlocked: return "Blocked";
                case RingOutStatus.NotEnoughFunds: return "No Credit";
                default: return "Call Failed";
            }
        }

        /// <summary>This final snapshot, saying why it has no Result and Duration.</summary>
        internal RingOutCall WithNote(string note)
        {
            var c = SameStatuses();
            c._note = note;
            return c;
        }

        /// <summary>A copy with this snapshot's statuses and telephony session, and nothing of how it ended.</summary>
        private RingOutCall SameStatuses() =>
            new RingOutCall(Id, Uri, CallStatusText, CallerStatusText, CalleeStatusText, From, To, AccountId, ExtensionId, PlacedAt, RetrievedAt, IsGone, Session, SentAt)
            { _telephonySessionId = _telephonySessionId };

        /// <summary>This snapshot with its result and time talked, from telephony events.</summary>
        internal RingOutCall WithEventOutcome(TimeSpan? duration)
        {
            var c = SameStatuses();
            c._result = ResultOf(this);
            c._duration = duration;
            return c;
        }

        private static bool IsFailure(string? callStatus) =>
            callStatus != null && callStatus != "InProgress" && callStatus != "Success" && callStatus != "NoSessionFound" && StatusText.Parse(callStatus) != RingOutStatus.Unknown;

        /// <summary>This snapshot, with the reason its outcome could not be established.</summary>
        internal RingOutCall Unresolved(string why, DateTimeOffset at)
        {
            var c = AsGone(at);
            c._unresolved = why;
            return c;
        }

        /// <summary>A newer snapshot: the statuses and session of <paramref name="fresh"/>, with what this one knew (From, To, when placed).</summary>
        internal RingOutCall UpdatedBy(RingOutCall fresh)
        {
            var c = new RingOutCall(Id, Uri, fresh.CallStatusText, fresh.CallerStatusText, fresh.CalleeStatusText, From, To, AccountId, ExtensionId, PlacedAt, fresh.RetrievedAt, false, fresh.Session, SentAt);
            c._telephonySessionId = _telephonySessionId;
            // A call already over that still reads the same: what was learnt of how it ended (Result, Duration, the
            // call-log record, or why they are unknown) stays with it.
            if (fresh.IsFinal && fresh.CallStatusText == CallStatusText && fresh.CallerStatusText == CallerStatusText && fresh.CalleeStatusText == CalleeStatusText)
            { c._result = _result; c._duration = _duration; c._record = _record; c._note = _note; }
            return c;
        }

        internal RingOutCall AsGone(DateTimeOffset at)
        {
            var c = new RingOutCall(Id, Uri, CallStatusText, CallerStatusText, CalleeStatusText, From, To, AccountId, ExtensionId, PlacedAt, at, true, Session, SentAt);
            c._telephonySessionId = _telephonySessionId;
            c._result = _result;
            c._duration = _duration;
            return c;
        }

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "RingOut {0} to {1}: {2} (call {3}, caller {4}, callee {5}){6}",
                Id, To ?? "?", State, CallStatusText, CallerStatusText, CalleeStatusText, _record != null || _unresolved != null ? "; " + Outcome : "");
    }
}
