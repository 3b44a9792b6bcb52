using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>
    /// What every RingOut cmdlet shares: the session it works with (resolved on the pipeline thread),
    /// cancellation by Ctrl+C (StopProcessing cancels; async work is awaited with that token), verbose lines for
    /// each HTTP exchange written on the pipeline thread, and the mapping of failures to ErrorRecords.
    /// </summary>
    public abstract class RingOutCmdlet : PSCmdlet
    {
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly ConcurrentQueue<string> _verbose = new ConcurrentQueue<string>();

        protected CancellationToken StopToken => _stop.Token;

        protected override void StopProcessing() => _stop.Cancel();

        protected override void EndProcessing()
        {
            FlushVerbose();
            base.EndProcessing();
        }

        /// <summary>The session given, else the current one; a terminating error naming Connect-RingCentral when there is none.</summary>
        protected RingCentralSession RequireSession(RingCentralSession given)
        {
            var session = given ?? SessionStore.Current;
            if (session == null || !session.IsConnected)
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("You are not connected to RingCentral. Run Connect-RingCentral first (or Connect-RingCentral -Environment Emulator to try RingOut offline)."),
                    ErrorIds.NotConnected, ErrorCategory.InvalidOperation, null)
                {
                    ErrorDetails = new ErrorDetails("You are not connected to RingCentral. Run Connect-RingCentral first (or Connect-RingCentral -Environment Emulator to try RingOut offline).")
                    {
                        RecommendedAction = "Run Connect-RingCentral.",
                    },
                });
            return session;
        }

        /// <summary>
        /// Runs async work to completion on this thread, cancelled by Ctrl+C, with a verbose line (and under -Debug
        /// the redacted bodies) for each HTTP exchange it makes, through any session: only this command's.
        /// </summary>
        protected T Await<T>(Func<CancellationToken, Task<T>> work)
        {
            var observing = RingCentralSession.ObserveExchanges(ExchangeLogger(DebugWanted()), DebugWanted());
            try
            {
                return work(StopToken).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
            finally
            {
                observing.Dispose();
                FlushVerbose();
            }
        }

        protected void Await(Func<CancellationToken, Task> work) =>
            Await<object>(async ct => { await work(ct).ConfigureAwait(false); return null; });

        private readonly ConcurrentQueue<string> _debug = new ConcurrentQueue<string>();

        /// <summary>Queues a verbose line (and with <paramref name="debug"/>, the redacted bodies) for each exchange, to be written on the pipeline thread.</summary>
        private Action<HttpExchange> ExchangeLogger(bool debug) => e =>
        {
            _verbose.Enqueue(e.ToString());
            if (debug && (e.RequestBody != null || e.ResponseBody != null))
                _debug.Enqueue($"{e.Method} {e.Path}\n  request body: {e.RequestBody ?? "(none)"}\n  response body: {e.ResponseBody ?? "(none)"}");
        };

        /// <summary>Whether -Debug (or $DebugPreference) asks for debug output: only then are bodies captured.</summary>
        protected bool DebugWanted()
        {
            if (MyInvocation.BoundParameters.TryGetValue("Debug", out var d) && d is SwitchParameter s) return s.IsPresent;
            var pref = GetVariableValue("DebugPreference");
            return pref is ActionPreference p && p != ActionPreference.SilentlyContinue && p != ActionPreference.Ignore;
        }

        protected void FlushVerbose()
        {
            while (_verbose.TryDequeue(out var line)) WriteVerbose(line);
            while (_debug.TryDequeue(out var line)) WriteDebug(line);
        }

        /// <summary>
        /// The one mapping of the client's failures to ErrorRecords (ErrorId, category, advice); null for any other
        /// exception, which is a bug and propagates. <see cref="IsClientFailure"/> is this mapping's domain.
        /// </summary>
        protected static ErrorRecord ErrorFor(Exception e, object target, string notFoundId = null)
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
                    return new ErrorRecord(api, id, category, target)
                    {
                        ErrorDetails = new ErrorDetails(api.Message) { RecommendedAction = Recommend(api) },
                    };
                }
                case RingCentralAuthenticationException auth:
                    return new ErrorRecord(auth, ErrorIds.SessionExpired, ErrorCategory.AuthenticationError, target)
                    {
                        ErrorDetails = new ErrorDetails(auth.Message) { RecommendedAction = "Run Connect-RingCentral to sign in again." },
                    };
                case RingOutOutcomeUnknownException unknown:
                    return new ErrorRecord(unknown, ErrorIds.OutcomeUnknown, ErrorCategory.OperationTimeout, target)
                    {
                        ErrorDetails = new ErrorDetails(unknown.Message) { RecommendedAction = "Check the phone or the call log before placing the call again." },
                    };
                case RingCentralProtocolException protocol:
                    return new ErrorRecord(protocol, ErrorIds.UnreadableResponse, ErrorCategory.InvalidResult, target);
                case RingCentralServerValueException value:
                    return new ErrorRecord(value, ErrorIds.ServerValueOutOfRange, ErrorCategory.InvalidData, target)
                    {
                        ErrorDetails = new ErrorDetails(value.Message) { RecommendedAction = "Check that the server is RingCentral's (-Server), or try again later." },
                    };
                case RingCentralRedirectException redirect:
                    return new ErrorRecord(redirect, ErrorIds.Redirected, ErrorCategory.SecurityError, target)
                    {
                        ErrorDetails = new ErrorDetails(redirect.Message) { RecommendedAction = "Check the server address (-Server or RC_SERVER_URL): RingCentral's API is reached directly, never through a redirect." },
                    };
                case RingCentralInvalidIdException id:
                    return InvalidId(id, target);
                case HttpRequestException http:
                    return new ErrorRecord(new HttpRequestException($"Could not reach RingCentral: {http.Message}", http),
                        ErrorIds.ConnectionFailed, ErrorCategory.ConnectionError, target);
                case ObjectDisposedException disposed:
                    return new ErrorRecord(new InvalidOperationException(disposed.Message.Split('\n')[0].Trim(), disposed), ErrorIds.NotConnected, ErrorCategory.InvalidOperation, target);
                default:
                    return null;
            }
        }

        private static string Recommend(RingCentralApiException api)
        {
            switch ((int)api.StatusCode)
            {
                case 400: return api.ParameterName != null ? $"Check the value given for '{api.ParameterName}'." : "Check the values given.";
                case 401: return "Run Connect-RingCentral to sign in again.";
                case 403: return "The app or the user lacks a permission for this; ask the account's administrator.";
                case 429: return "RingCentral's rate limit was exceeded; wait a minute and try again.";
                default: return (int)api.StatusCode >= 500 ? "RingCentral is having trouble; try again later." : null;
            }
        }

        /// <summary>A session failure ends the cmdlet; anything else is an error for this input only.</summary>
        protected void Fail(Exception e, object target, string notFoundId = null)
        {
            var record = ErrorFor(e, target, notFoundId);
            if (e is RingCentralAuthenticationException || e is ObjectDisposedException) ThrowTerminatingError(record);
            WriteError(record);
        }

        /// <summary>Whether an exception is one of the client's expected failures (anything else is a bug and propagates).</summary>
        protected static bool IsClientFailure(Exception e) => ErrorFor(e, null) != null;

        /// <summary>An id that is not what RingCentral issues: its own ErrorId, InvalidArgument, the input as target.</summary>
        protected static ErrorRecord InvalidId(RingCentralInvalidIdException e, object target)
        {
            var id = e.Kind == RingCentralIdKind.AccountId ? ErrorIds.InvalidAccountId : e.Kind == RingCentralIdKind.ExtensionId ? ErrorIds.InvalidExtensionId : ErrorIds.InvalidCallId;
            return new ErrorRecord(e, id, ErrorCategory.InvalidArgument, target ?? e.Value)
            {
                ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = "Give the id as RingCentral issued it: digits only (or ~ for your own account or extension)." },
            };
        }

        /// <summary>Checks an account or extension id before any request; writes the error and returns false when it is not one.</summary>
        protected bool CheckOwner(RingCentralIdKind kind, string value, out string segment)
        {
            if (ApiPaths.TryOwner(kind, value, out segment, out var why)) return true;
            WriteError(InvalidId(new RingCentralInvalidIdException(kind, value, why), value));
            return false;
        }

        /// <summary>An invalid phone number: InvalidArgument, the input as target, before any request.</summary>
        protected ErrorRecord InvalidNumber(string parameter, string value, string reason) =>
            new ErrorRecord(new ArgumentException($"-{parameter}: {reason}", parameter), ErrorIds.InvalidPhoneNumber, ErrorCategory.InvalidArgument, value)
            {
                ErrorDetails = new ErrorDetails($"-{parameter}: {reason}") { RecommendedAction = "Give the number in E.164 form, for example +16505550123." },
            };
    }
}
