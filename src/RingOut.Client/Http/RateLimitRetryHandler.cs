using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace RingOut.Client.Http
{
    /// <summary>How the pipeline retries.</summary>
    public sealed class RetryOptions
    {
        /// <summary>Retries of one request after 5xx and network failures (never a budget shared between requests).</summary>
        public int MaxRetries { get; set; } = 5;
        /// <summary>Retries of one request after 429, or 503 with Retry-After: the server did not act, so waiting is always safe; this only bounds how long.</summary>
        public int MaxRateLimitRetries { get; set; } = 10;
        /// <summary>First backoff for 5xx and transport failures; it doubles each time, with ±20% jitter.</summary>
        public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(2);
        public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>Wait after a 429 that names no Retry-After and no window.</summary>
        public TimeSpan DefaultRetryAfter { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>Time one attempt may take before it is given up.</summary>
        public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);
    }

    /// <summary>
    /// Paces every request through the session's <see cref="RateBudget"/> and retries what is safe to retry:
    /// idempotent requests on 429, 5xx and transport failures; a request that changes something (POST ring-out)
    /// only when the server provably did not act (429; 503 with Retry-After; a connection that failed before the
    /// request was sent). Anything else about such a request becomes <see cref="RingOutOutcomeUnknownException"/>.
    /// </summary>
    internal sealed class RateLimitRetryHandler : DelegatingHandler
    {
        private readonly RateBudget _budget;
        private readonly TimeProvider _clock;
        private readonly RetryOptions _options;
        private readonly Random _jitter = new Random();

        public RateLimitRetryHandler(RateBudget budget, TimeProvider clock, RetryOptions options)
        {
            _budget = budget; _clock = clock; _options = options;
        }

        /// <summary>Called after each exchange: request, response (null on a transport failure), time taken.</summary>
        public Action<HttpRequestMessage, HttpResponseMessage, TimeSpan, Exception> Exchanged { get; set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var kind = RequestKind.Of(request);
            var waits = 0;
            for (var attempt = 0; ; attempt++)
            {
                await _budget.AcquireAsync(kind.Group, cancellationToken).ConfigureAwait(false);
                var started = _clock.GetTimestamp();
                HttpResponseMessage response;
                using (var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    attemptCts.CancelAfter(_options.AttemptTimeout);
                    try
                    {
                        response = await base.SendAsync(request, attemptCts.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                    {
                        Exchanged?.Invoke(request, null, _clock.GetElapsedTime(started), e);
                        if (kind.Idempotent && attempt < _options.MaxRetries) { await BackoffAsync(attempt, cancellationToken).ConfigureAwait(false); continue; }
                        if (!kind.Idempotent)
                            throw new RingOutOutcomeUnknownException(
                                $"No answer came within {_options.AttemptTimeout.TotalSeconds:0} s while {kind.Description ?? "sending a request"}; RingCentral may or may not have acted on it, and it was not sent again.", e);
                        throw new HttpRequestException($"RingCentral did not answer within {_options.AttemptTimeout.TotalSeconds:0} s, {attempt + 1} times.", e);
                    }
                    catch (HttpRequestException e)
                    {
                        Exchanged?.Invoke(request, null, _clock.GetElapsedTime(started), e);
                        if (HostDoesNotExist(e)) throw; // a wrong address: waiting will not make it right
                        var notSent = FailedBeforeSending(e);
                        if ((kind.Idempotent || notSent) && attempt < _options.MaxRetries) { await BackoffAsync(attempt, cancellationToken).ConfigureAwait(false); continue; }
                        if (!kind.Idempotent && !notSent)
                            throw new RingOutOutcomeUnknownException(
                                $"The connection failed after the request was sent while {kind.Description ?? "sending a request"}; RingCentral may or may not have acted on it, and it was not sent again.", e);
                        throw;
                    }
                }
                Exchanged?.Invoke(request, response, _clock.GetElapsedTime(started), null);
                _budget.Observe(kind.Group, response);

                var status = (int)response.StatusCode;
                var retryAfter = RingCentralApiException.RetryAfterOf(response);
                if (status == 429)
                {
                    // The server did not act. Wait out the penalty, sending nothing to the group meanwhile.
                    var wait = retryAfter ?? (Header(response, "X-Rate-Limit-Window") != null ? _budget.WindowOf(kind.Group) : _options.DefaultRetryAfter);
                    _budget.Penalize(kind.Group, wait);
                    if (waits++ < _options.MaxRateLimitRetries) { attempt--; response.Dispose(); continue; }
                    return response;
                }
                if (status == 503 && retryAfter is TimeSpan ra && waits++ < _options.MaxRateLimitRetries)
                {
                    response.Dispose();
                    attempt--;
                    await _clock.Delay(ra, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                if (status >= 500 && kind.Idempotent && attempt < _options.MaxRetries)
                {
                    response.Dispose();
                    await BackoffAsync(attempt, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                return response;
            }
        }

        private static string Header(HttpResponseMessage r, string name) => RingCentralApiException.Header(r, name);

        private Task BackoffAsync(int attempt, CancellationToken ct)
        {
            double factor;
            lock (_jitter) factor = 0.8 + _jitter.NextDouble() * 0.4;
            var ticks = Math.Min(_options.MaxBackoff.Ticks, _options.InitialBackoff.Ticks * Math.Pow(2, attempt)) * factor;
            return _clock.Delay(TimeSpan.FromTicks((long)ticks), ct);
        }

        private static bool HostDoesNotExist(Exception e)
        {
            for (var x = e; x != null; x = x.InnerException)
                if (x is SocketException s) return s.SocketErrorCode == SocketError.HostNotFound;
            return false;
        }

        /// <summary>The connection was never made, so the request cannot have reached the server.</summary>
        internal static bool FailedBeforeSending(Exception e)
        {
            for (var x = e; x != null; x = x.InnerException)
            {
                if (x is SocketException s)
                    return s.SocketErrorCode == SocketError.ConnectionRefused || s.SocketErrorCode == SocketError.HostNotFound ||
                           s.SocketErrorCode == SocketError.HostUnreachable || s.SocketErrorCode == SocketError.NetworkUnreachable ||
                           s.SocketErrorCode == SocketError.TryAgain || s.SocketErrorCode == SocketError.AddressNotAvailable;
                if (x is IOException) return false;
            }
            return false;
        }
    }
}
