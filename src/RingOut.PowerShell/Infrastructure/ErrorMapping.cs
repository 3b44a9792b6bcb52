using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Net.Http;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>
    /// The one mapping of the client's failures to ErrorRecords (ErrorId, category, advice), and the one rule for a
    /// session that died.
    /// <para>
    /// <b>When the session dies</b> (RingCentral ended it, its refresh was refused, or it was disconnected), every
    /// command does the same: it writes an error for the input at hand (RingOut.SessionExpired or RingOut.NotConnected,
    /// the input as target), sends no further request (the session refuses them, so each later input gets the same
    /// error at once), writes everything it still holds, and ends normally, so that the commands after it in the
    /// pipeline still get what it wrote. Under <c>-ErrorAction Stop</c> the first such error stops the script, as any
    /// error does. Only "not connected at all" (no session to start with) is terminating, since no input can be served.
    /// </para>
    /// </summary>
    internal static class ErrorMapping
    {
        /// <summary>The record for one of the client's expected failures; null for any other exception, which is a bug and propagates.</summary>
        public static ErrorRecord? For(Exception e, object? target, string? notFoundId = null)
        {
            switch (e)
            {
                case RingCentralApiException api:
                {
                    string id; ErrorCategory category;
                    switch ((int)api.StatusCode)
                    {
                        case 400: case 409: case 415: case 422: id = ErrorIds.ApiError; category = ErrorCategory.InvalidArgument; break;
                        case 401: id = ErrorIds.AuthenticationFailed; category = ErrorCategory.AuthenticationError; break;
                        case 403: id = ErrorIds.ApiError; category = ErrorCategory.PermissionDenied; break;
                        case 404: id = notFoundId ?? ErrorIds.ApiError; category = ErrorCategory.ObjectNotFound; break;
                        case 429: id = ErrorIds.RateLimited; category = ErrorCategory.LimitsExceeded; break;
                        default: id = ErrorIds.ApiError; category = (int)api.StatusCode >= 500 ? ErrorCategory.ResourceUnavailable : ErrorCategory.NotSpecified; break;
                    }
                    return With(new ErrorRecord(api, id, category, target), api.Message, Recommend(api));
                }
                case RingCentralAuthenticationException auth:
                    return With(new ErrorRecord(auth, ErrorIds.SessionExpired, ErrorCategory.AuthenticationError, target), auth.Message, UserMessages.SignInAgain);
                case RingOutOutcomeUnknownException unknown:
                    return With(new ErrorRecord(unknown, ErrorIds.OutcomeUnknown, ErrorCategory.OperationTimeout, target), unknown.Message, UserMessages.CheckOutcome);
                case RingCentralProtocolException protocol:
                    return new ErrorRecord(protocol, ErrorIds.UnreadableResponse, ErrorCategory.InvalidResult, target);
                case RingCentralServerValueException value:
                    return With(new ErrorRecord(value, ErrorIds.ServerValueOutOfRange, ErrorCategory.InvalidData, target), value.Message, UserMessages.CheckServerIsRingCentral);
                case RingCentralRedirectException redirect:
                    return With(new ErrorRecord(redirect, ErrorIds.Redirected, ErrorCategory.SecurityError, target), redirect.Message, UserMessages.NoRedirects);
                case RingOutEventsUnavailableException events:
                    return With(new ErrorRecord(events, ErrorIds.EventsUnavailable, ErrorCategory.NotEnabled, target), events.Message, UserMessages.EventsUnavailable);
                case RingOutNoForwardingNumberException noFrom:
                    return With(new ErrorRecord(noFrom, ErrorIds.NoForwardingNumber, ErrorCategory.ObjectNotFound, target), noFrom.Message, UserMessages.GiveFrom);
                case RingOutHangUpException hangUp:
                    return With(new ErrorRecord(hangUp, ErrorIds.CannotHangUp, ErrorCategory.InvalidOperation, target), hangUp.Message, UserMessages.EndOnThePhone); // the message says what else may be done
                case RingCentralInvalidIdException invalid:
                    return InvalidId(invalid, target);
                case HttpRequestException _:
                case System.Net.WebSockets.WebSocketException _:
                case System.IO.IOException _:
                    return new ErrorRecord(new HttpRequestException($"Could not reach RingCentral: {e.Message}", e),
                        ErrorIds.ConnectionFailed, ErrorCategory.ConnectionError, target);
                case TimeoutException timeout: // a wait for RingCentral (its gateway, the rate budget) that would pass the command's deadline
                    return new ErrorRecord(timeout, ErrorIds.WaitTimeout, ErrorCategory.OperationTimeout, target);
                case PlatformNotSupportedException unsupported: // ClientWebSocket on Windows 7 / Server 2008 R2
                    return new ErrorRecord(unsupported, ErrorIds.EventsUnavailable, ErrorCategory.NotImplemented, target);
                case ObjectDisposedException disposed:
                    return new ErrorRecord(new InvalidOperationException(disposed.Message.Split('\n')[0].Trim(), disposed), ErrorIds.NotConnected, ErrorCategory.InvalidOperation, target);
                default:
                    return null;
            }
        }

        /// <summary>The record of a failure known to be one of the client's (see <see cref="IsClientFailure"/>).</summary>
        public static ErrorRecord Failure(Exception e, object? target, string? notFoundId = null) =>
            For(e, target, notFoundId) ?? throw new InvalidOperationException("Not one of the client's failures: " + e.GetType().FullName, e);

        /// <summary>Whether an exception is one of the client's expected failures: exactly the domain of <see cref="For"/>.</summary>
        public static bool IsClientFailure(Exception e) => For(e, null) != null;

        /// <summary>Whether a failure means the session is over (see the rule above).</summary>
        public static bool EndsSession(Exception e) => Failures.EndsSession(e);

        /// <summary>An id that is not what RingCentral issues: its own ErrorId, InvalidArgument, the input as target.</summary>
        public static ErrorRecord InvalidId(RingCentralInvalidIdException e, object? target)
        {
            var id = e.Kind == RingCentralIdKind.AccountId ? ErrorIds.InvalidAccountId : e.Kind == RingCentralIdKind.ExtensionId ? ErrorIds.InvalidExtensionId : ErrorIds.InvalidCallId;
            return With(new ErrorRecord(e, id, ErrorCategory.InvalidArgument, target ?? e.Value), e.Message, e.Kind == RingCentralIdKind.CallId ? UserMessages.CallIdAsIssued : UserMessages.IdAsIssued);
        }

        /// <summary>An invalid phone number: InvalidArgument, the input as target, before any request.</summary>
        public static ErrorRecord InvalidNumber(string parameter, string? value, string reason) =>
            With(new ErrorRecord(new ArgumentException($"-{parameter}: {reason}", parameter), ErrorIds.InvalidPhoneNumber, ErrorCategory.InvalidArgument, value),
                $"-{parameter}: {reason}", UserMessages.NumberForm);

        /// <summary>
        /// A piped row with no number property (New-RingOutCall), or rows none of which has one (Invoke-RingOutBatch's
        /// <see cref="ErrorIds.NoToColumn"/>): InvalidArgument, the row as target, before any request. Says which
        /// properties the row has, and that a file read with the wrong delimiter looks like this.
        /// </summary>
        public static ErrorRecord NoNumberProperty(PSObject row, string errorId = ErrorIds.NoPhoneNumberProperty, string command = "New-RingOutCall")
        {
            var properties = RowMarkerAttribute.PropertiesOf(row);
            var message = UserMessages.NoNumberProperty(NumberPropertyAttribute.To, NumberPropertyAttribute.NamesText, properties);
            return With(new ErrorRecord(new ArgumentException(message), errorId, ErrorCategory.InvalidArgument, row),
                message, Semicolons(properties) ? UserMessages.SemicolonSeparated : UserMessages.NameTheNumberColumn(NumberPropertyAttribute.To, command));
        }

        /// <summary>A piped row with no Id property (a row of the calls to place, not of calls placed): RingOut.InvalidCallId, the row as target, before any request.</summary>
        public static ErrorRecord NoCallIdProperty(PSObject row)
        {
            var properties = RowMarkerAttribute.PropertiesOf(row);
            var message = UserMessages.NoCallIdProperty(CallIdPropertyAttribute.Id, CallIdPropertyAttribute.RingOutId, properties);
            return With(new ErrorRecord(new ArgumentException(message), ErrorIds.InvalidCallId, ErrorCategory.InvalidArgument, row),
                message, Semicolons(properties) ? UserMessages.SemicolonSeparated : UserMessages.CallIdAsIssued);
        }

        /// <summary>A row whose one property's name holds semicolons: a file Excel wrote, read with Import-Csv's comma.</summary>
        private static bool Semicolons(IReadOnlyList<string> properties) => properties.Count == 1 && properties[0].Contains(";");

        /// <summary>No session to work with: the one terminating error of the call cmdlets.</summary>
        public static ErrorRecord NotConnected() =>
            // The exception's message says both, for scripts that read it; the console shows the recommendation once.
            With(new ErrorRecord(new InvalidOperationException(UserMessages.NotConnected + " " + UserMessages.RunConnect), ErrorIds.NotConnected, ErrorCategory.InvalidOperation, null),
                UserMessages.NotConnected, UserMessages.RunConnect);

        /// <summary>RingOut.CallNotFound: RingCentral no longer knows the call, which need not mean that it failed.</summary>
        public static ErrorRecord CallNotFound(string id, Exception e, object? target) =>
            new ErrorRecord(new ItemNotFoundException(UserMessages.CallNotFound(id), e), ErrorIds.CallNotFound, ErrorCategory.ObjectNotFound, target);

        private static ErrorRecord With(ErrorRecord record, string message, string? advice)
        {
            record.ErrorDetails = new ErrorDetails(message) { RecommendedAction = advice };
            return record;
        }

        private static string? Recommend(RingCentralApiException api)
        {
            switch ((int)api.StatusCode)
            {
                case 400: return api.ParameterName != null ? UserMessages.CheckValue(api.ParameterName) : UserMessages.CheckValues;
                case 401: return UserMessages.SignInAgain;
                case 403: return UserMessages.LacksPermission;
                case 429: return UserMessages.RateLimited;
                default: return (int)api.StatusCode >= 500 ? UserMessages.ServerTrouble : null;
            }
        }
    }
}
