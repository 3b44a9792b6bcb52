using System;
using System.Net.Http;

namespace RingOut.Client
{
    /// <summary>What a failure means for the work that met it (see <see cref="Failures.Classify"/>).</summary>
    public enum FailureKind
    {
        /// <summary>Not one of the client's expected failures: a bug, which propagates.</summary>
        Bug,
        /// <summary>Asking again later may help: a lost, garbled or refused-for-now answer, a socket that failed.</summary>
        Transient,
        /// <summary>Asking again will not help: a refusal, an id or value that cannot be used, a redirect, a platform without the feature.</summary>
        Permanent,
        /// <summary>The session is over (ended, refused, disconnected): nothing more can be asked through it.</summary>
        EndsSession,
        /// <summary>The server may have acted on a request that is not safe to repeat: never asked again.</summary>
        OutcomeUnknown,
    }

    /// <summary>
    /// The one classifier of the client's failures, used by every path that meets one (polling, the call log, the
    /// active calls, Call Control, the telephony event channel, the cmdlets' rule for a dead session): each path
    /// decides what to do by the kind, none keeps a list of exception types of its own.
    /// </summary>
    public static class Failures
    {
        public static FailureKind Classify(Exception e)
        {
            switch (e)
            {
                case null: return FailureKind.Bug;
                case RingCentralAuthenticationException _:
                case ObjectDisposedException _:
                    return FailureKind.EndsSession;
                case RingOutOutcomeUnknownException _:
                    return FailureKind.OutcomeUnknown;
                case RingCentralApiException api:
                    var status = (int)api.StatusCode;
                    return status == 429 || status >= 500 ? FailureKind.Transient : FailureKind.Permanent;
                case RingCentralProtocolException _:
                case HttpRequestException _:
                case System.Net.WebSockets.WebSocketException _:
                case System.IO.IOException _:
                case TimeoutException _:
                    return FailureKind.Transient;
                case RingCentralServerValueException _:
                case RingCentralRedirectException _:
                case RingCentralInvalidIdException _:
                case RingOutHangUpException _:
                case RingOutEventsUnavailableException _:
                case PlatformNotSupportedException _: // ClientWebSocket on Windows 7 / Server 2008 R2 under Windows PowerShell 5.1
                    return FailureKind.Permanent;
                default:
                    return FailureKind.Bug;
            }
        }

        /// <summary>Whether asking again later may help.</summary>
        public static bool IsTransient(Exception e) => Classify(e) == FailureKind.Transient;

        /// <summary>Whether a failure of a read (safe to repeat) is one the reader handles: transient or permanent, not the session's end, not a bug.</summary>
        public static bool IsReadFailure(Exception e)
        {
            var kind = Classify(e);
            return kind == FailureKind.Transient || kind == FailureKind.Permanent;
        }

        /// <summary>
        /// Whether the pipeline has already retried the request that failed so (the network, a time-out, 5xx, 429): it is
        /// the one layer that retries a request, so a caller gives such a failure up. What a caller may ask again is an
        /// answer the pipeline delivered that could not be read (<see cref="RingCentralProtocolException"/>).
        /// </summary>
        public static bool RetriedByPipeline(Exception e) => IsTransient(e) && !(e is RingCentralProtocolException);

        /// <summary>Whether the session is over.</summary>
        public static bool EndsSession(Exception e) => Classify(e) == FailureKind.EndsSession;
    }
}
