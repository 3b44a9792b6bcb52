using System;
using System.IO;
using System.Net.Http;
using System.Net.Sockets;

namespace RingOut.Client.Http
{
    /// <summary>
    /// What a failed attempt was (<see cref="Classify"/>), and what the caller is told when the policy gives up on a
    /// request (<see cref="For"/>): pure functions of the facts, for <see cref="RateLimitRetryHandler"/>.
    /// </summary>
    internal static class AttemptFailures
    {
        /// <summary>What is kept of an answer for the words of a failure, once it is disposed.</summary>
        internal sealed class Answer
        {
            public Answer(HttpResponseMessage response)
            {
                Location = response.Headers.Location;
                RequestId = RingCentralApiException.Header(response, "RCRequestId");
            }

            public Answer(Uri? location, string? requestId) { Location = location; RequestId = requestId; }

            public Uri? Location { get; }
            public string? RequestId { get; }
        }

        /// <summary>What an attempt that brought no answer came to: never sent, no such host, too large, or lost (sent, perhaps acted on).</summary>
        public static AttemptOutcome Classify(Exception e)
        {
            if (e is OperationCanceledException) return AttemptOutcome.Lost;
            if (e is BoundedContent.TooLargeException) return AttemptOutcome.TooLarge;
            for (Exception? x = e; x != null; x = x.InnerException)
            {
                if (x is SocketException s)
                {
                    if (s.SocketErrorCode == SocketError.HostNotFound) return AttemptOutcome.NoSuchHost;
                    return s.SocketErrorCode == SocketError.ConnectionRefused || s.SocketErrorCode == SocketError.HostUnreachable ||
                           s.SocketErrorCode == SocketError.NetworkUnreachable || s.SocketErrorCode == SocketError.TryAgain ||
                           s.SocketErrorCode == SocketError.AddressNotAvailable
                        ? AttemptOutcome.NotSent : AttemptOutcome.Lost;
                }
                if (x is IOException) return AttemptOutcome.Lost;
            }
            return AttemptOutcome.Lost;
        }

        /// <summary>
        /// The exception for a request the policy gave up on (<see cref="Verdict.Redirected"/>,
        /// <see cref="Verdict.OutcomeUnknown"/>, <see cref="Verdict.Fail"/>) while <paramref name="what"/>: from the
        /// last attempt's facts, its failure (null when an answer came) and what was kept of its answer.
        /// </summary>
        public static Exception For(Verdict verdict, string what, Attempt attempt, Exception? failure, Answer? answer, TimeSpan attemptTimeout, Uri server)
        {
            var location = answer?.Location;
            switch (verdict)
            {
                case Verdict.Redirected:
                    return new RingCentralRedirectException(
                        $"RingCentral answered {what} with HTTP {attempt.Status}, a redirect to {Where(location, server)}. RingCentral's API does not redirect, so it was not followed and nothing was sent there.", location);
                case Verdict.OutcomeUnknown:
                    var said = attempt.Outcome == AttemptOutcome.TooLarge && failure != null ? failure.Message
                        : failure != null
                        ? (failure is OperationCanceledException ? $"no answer came within {attemptTimeout.TotalSeconds:0} s" : "the connection failed after the request was sent")
                        : attempt.Status >= 300 && attempt.Status < 400
                            ? $"RingCentral's address answered HTTP {attempt.Status}, a redirect to {Where(location, server)} (not followed; nothing was sent there)"
                            : $"the answer was HTTP {attempt.Status}{(attempt.RingCentralError ? "" : " without RingCentral's error body")}{(answer?.RequestId is string id ? $" (RCRequestId {id})" : "")}, which does not prove that nothing was done";
                    return new RingOutOutcomeUnknownException(
                        $"While {what}, {said}. RingCentral may or may not have acted on it, and it was not sent again.", failure);
                default:
                    if (failure is HttpRequestException http) return http;
                    return new HttpRequestException(
                        failure is OperationCanceledException
                            ? $"RingCentral did not answer within {attemptTimeout.TotalSeconds:0} s while {what}, {attempt.Retries + 1} times."
                            : $"The connection failed while {what}: {failure?.Message}", failure);
            }
        }

        private static string Where(Uri? location, Uri server) =>
            location == null ? "an address it did not name"
            : !location.IsAbsoluteUri ? $"{location.OriginalString} on {server.Host}"
            : location.Host;
    }
}
