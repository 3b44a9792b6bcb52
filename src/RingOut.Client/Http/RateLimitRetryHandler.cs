using System;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace RingOut.Client.Http
{
    /// <summary>
    /// Carries out <see cref="RetryPolicy"/>: paces every attempt through the session's <see cref="RateBudget"/>,
    /// sends it only to the session's own server, reads every answer into memory bounded, checks the numbers the
    /// server sent (<see cref="ServerValues"/>), and then does what the policy decides.
    /// </summary>
    internal sealed class RateLimitRetryHandler : DelegatingHandler
    {
        private readonly RateBudget _budget;
        private readonly TimeProvider _clock;
        private readonly RetryOptions _options;
        private readonly Uri _server;
        private readonly long _maxResponseBytes;
        private readonly Random _jitter = new Random();

        public RateLimitRetryHandler(RateBudget budget, TimeProvider clock, RetryOptions options, Uri server, long maxResponseBytes)
        {
            _budget = budget; _clock = clock; _options = options; _server = server; _maxResponseBytes = maxResponseBytes;
        }

        /// <summary>Called after each exchange: request, response (null on a transport failure), time taken.</summary>
        public Action<HttpRequestMessage, HttpResponseMessage?, TimeSpan, Exception?>? Exchanged { get; set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var kind = RequestKind.Of(request);
            var what = kind.Description;
            if (!SameServer(request.RequestUri))
                throw new RingCentralRedirectException($"A request while {what} was addressed to {request.RequestUri.Host}, not to the session's server {_server.Host}; it was not sent.", request.RequestUri);
            var group = RateGroups.Of(request.Method.Method, request.RequestUri.AbsolutePath);
            var attempt = new Attempt();
            while (true)
            {
                var slot = await _budget.TakeAsync(group, cancellationToken).ConfigureAwait(false);
                var started = _clock.GetTimestamp();
                HttpResponseMessage? response = null;
                Exception? failure = null;
                using (var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    attemptCts.CancelAfter(_options.AttemptTimeout);
                    try
                    {
                        kind.MarkSent();
                        response = await base.SendAsync(request, attemptCts.Token).ConfigureAwait(false);
                        await BoundedContent.BufferAsync(response, _maxResponseBytes, attemptCts.Token).ConfigureAwait(false);
                        attempt.Outcome = AttemptOutcome.Answered;
                    }
                    catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                    {
                        failure = e; attempt.Outcome = AttemptOutcome.Lost;
                    }
                    catch (HttpRequestException e)
                    {
                        failure = e; attempt.Outcome = Classify(e);
                    }
                    catch (IOException e)
                    {
                        failure = e; attempt.Outcome = AttemptOutcome.Lost;
                    }
                }
                await _budget.AnsweredAsync(group, slot, CancellationToken.None).ConfigureAwait(false);
                Exchanged?.Invoke(request, failure == null ? response : null, _clock.GetElapsedTime(started), failure);
                if (failure != null) response?.Dispose();

                if (attempt.Outcome == AttemptOutcome.Answered && response != null)
                {
                    attempt.Status = (int)response.StatusCode;
                    try
                    {
                        var rate = ServerValues.Rate(response);
                        attempt.RetryAfter = ServerValues.RetryAfter(response, _clock.GetUtcNow());
                        await _budget.ObserveAsync(group, rate, attempt.Status, CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (RingCentralServerValueException) when (!kind.Idempotent && attempt.Status >= 200 && attempt.Status < 300)
                    {
                        // The call was placed: report it; the absurd number is simply not taken.
                    }
                    catch (RingCentralServerValueException)
                    {
                        response.Dispose();
                        throw;
                    }
                    // Only a request that changes something is decided by whose error it is (the POST outcome rule).
                    attempt.RingCentralError = !kind.Idempotent && attempt.Status >= 400 &&
                                               RingCentralApiException.IsRingCentralError(await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false));
                }

                var decision = RetryPolicy.Decide(kind, attempt, _options);
                switch (decision.Verdict)
                {
                    case Verdict.Deliver:
                        return response ?? throw new InvalidOperationException("A request was delivered without an answer.");
                    case Verdict.WaitAndRetry:
                        var windowNamed = response != null && RingCentralApiException.Header(response, "X-Rate-Limit-Window") != null;
                        response?.Dispose();
                        attempt.Waits++;
                        if (decision.Penalize)
                        {
                            // RingCentral starts a penalty again at any request made during it. Processes sharing a
                            // user's budget that each came back exactly at their Retry-After kept restarting one
                            // another's penalty for ever (the fleet test found it): each comes back a margin later, and
                            // after further refusals later still, at random (see Spread).
                            var penalty = decision.Wait ?? (windowNamed ? _budget.WindowOf(group) : _options.DefaultRetryAfter);
                            await _budget.PenalizeAsync(group, penalty + Spread(penalty, attempt.Waits), CancellationToken.None).ConfigureAwait(false);
                        }
                        else
                            await _clock.Delay(decision.Wait ?? _options.DefaultRetryAfter, cancellationToken).ConfigureAwait(false);
                        continue;
                    case Verdict.Backoff:
                        response?.Dispose();
                        await BackoffAsync(attempt.Retries++, cancellationToken).ConfigureAwait(false);
                        continue;
                    case Verdict.Redirected:
                    {
                        var location = response?.Headers.Location;
                        response?.Dispose();
                        throw new RingCentralRedirectException(
                            $"RingCentral answered {what} with HTTP {attempt.Status}, a redirect to {Where(location)}. RingCentral's API does not redirect, so it was not followed and nothing was sent there.", location);
                    }
                    case Verdict.OutcomeUnknown:
                    {
                        var location = response?.Headers.Location;
                        var said = attempt.Outcome == AttemptOutcome.TooLarge && failure != null ? failure.Message
                            : failure != null
                            ? (failure is OperationCanceledException ? $"no answer came within {_options.AttemptTimeout.TotalSeconds:0} s" : "the connection failed after the request was sent")
                            : attempt.Status >= 300 && attempt.Status < 400
                                ? $"RingCentral's address answered HTTP {attempt.Status}, a redirect to {Where(location)} (not followed; nothing was sent there)"
                                : $"the answer was HTTP {attempt.Status}{(attempt.RingCentralError ? "" : " without RingCentral's error body")}{RequestIdText(response)}, which does not prove that nothing was done";
                        response?.Dispose();
                        throw new RingOutOutcomeUnknownException(
                            $"While {what}, {said}. RingCentral may or may not have acted on it, and it was not sent again.", failure);
                    }
                    default:
                        response?.Dispose();
                        if (failure is HttpRequestException http) throw http;
                        throw new HttpRequestException(
                            failure is OperationCanceledException
                                ? $"RingCentral did not answer within {_options.AttemptTimeout.TotalSeconds:0} s while {what}, {attempt.Retries + 1} times."
                                : $"The connection failed while {what}: {failure?.Message}", failure);
                }
            }
        }

        private bool SameServer([NotNullWhen(true)] Uri? uri) =>
            uri != null && uri.IsAbsoluteUri && string.Equals(uri.Scheme, _server.Scheme, StringComparison.OrdinalIgnoreCase) &&
            string.Equals(uri.Host, _server.Host, StringComparison.OrdinalIgnoreCase) && uri.Port == _server.Port;

        private string Where(Uri? location) =>
            location == null ? "an address it did not name"
            : !location.IsAbsoluteUri ? $"{location.OriginalString} on {_server.Host}"
            : location.Host;

        private static string RequestIdText(HttpResponseMessage? r)
        {
            var id = r == null ? null : RingCentralApiException.Header(r, "RCRequestId");
            return id == null ? "" : $" (RCRequestId {id})";
        }

        /// <summary>
        /// How much later than a penalty to come back: the budget's quiet margin after the first refusal; after more
        /// (the penalty was started again by another client, refused at another moment), at random up to one more
        /// penalty, then two, then four, so that in the end all are quiet for a whole penalty.
        /// </summary>
        private TimeSpan Spread(TimeSpan penalty, int refusals)
        {
            var most = refusals <= 1 ? 0 : 1 << Math.Min(refusals - 2, 2);
            return _budget.QuietMargin(penalty) + TimeSpan.FromMilliseconds(Math.Round(penalty.TotalMilliseconds * most * Share()));
        }

        /// <summary>A random share between 0 and 1 (the handler serves many requests at once).</summary>
        private double Share()
        {
            lock (_jitter) return _jitter.NextDouble();
        }

        private Task BackoffAsync(int retries, CancellationToken ct)
        {
            var factor = 0.8 + Share() * 0.4;
            var ticks = Math.Min(_options.MaxBackoff.Ticks, _options.InitialBackoff.Ticks * Math.Pow(2, retries)) * factor;
            return _clock.Delay(TimeSpan.FromTicks((long)ticks), ct);
        }

        private static AttemptOutcome Classify(Exception e)
        {
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
    }
}
