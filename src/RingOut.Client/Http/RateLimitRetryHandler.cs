using System;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace RingOut.Client.Http
{
    /// <summary>
    /// Carries out <see cref="RetryPolicy"/>: paces every attempt through the session's <see cref="RateBudget"/> (in the
    /// request's group, <see cref="RateGroups"/>), sends it only to the session's own server, reads every answer into
    /// memory bounded, checks the numbers the server sent (<see cref="ServerValues"/>), and then does what the policy
    /// decides: deliver, wait or back off and send again, or throw what <see cref="AttemptFailures"/> says.
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
            if (!SameServer(request.RequestUri))
                throw new RingCentralRedirectException($"A request while {kind.Description} was addressed to {request.RequestUri.Host}, not to the session's server {_server.Host}; it was not sent.", request.RequestUri);
            var group = RateGroups.Of(request.Method.Method, request.RequestUri.AbsolutePath);
            var attempt = new Attempt();
            while (true)
            {
                if (kind.Deadline is DateTimeOffset deadline && _clock.GetUtcNow() + _budget.WaitTime(group) >= deadline)
                    throw new TimeoutException(attempt.Retries + attempt.Waits == 0
                        ? $"Did not begin {kind.Description}: the wait's time is up before RingCentral's rate limit lets it go (at {deadline:u})."
                        : $"Gave up {kind.Description}: the wait's time is up (at {deadline:u}).");
                var (response, failure) = await SendOnceAsync(request, kind, group, cancellationToken).ConfigureAwait(false);
                attempt.Outcome = failure == null ? AttemptOutcome.Answered : AttemptFailures.Classify(failure);
                if (response != null) attempt = await ReadAnswerAsync(response, kind, group, attempt).ConfigureAwait(false);
                var decision = RetryPolicy.Decide(kind, attempt, _options);
                switch (decision.Verdict)
                {
                    case Verdict.Deliver:
                        return response ?? throw new InvalidOperationException("A request was delivered without an answer.");
                    case Verdict.WaitAndRetry:
                        attempt.Waits++;
                        var (wait, penalize) = WaitFor(decision, group, response, attempt.Waits);
                        if (penalize) await _budget.PenalizeAsync(group, wait, CancellationToken.None).ConfigureAwait(false);
                        // Waiting would pass the caller's deadline: the refusal itself is the answer (its Retry-After named).
                        if (PastDeadline(kind, wait)) return response ?? throw new InvalidOperationException("A wait was asked without an answer.");
                        response?.Dispose();
                        if (!penalize) await _clock.Delay(wait, cancellationToken).ConfigureAwait(false);
                        continue;
                    case Verdict.Backoff:
                        var backoff = RetryPolicy.Backoff(attempt.Retries++, _options, Share());
                        if (PastDeadline(kind, backoff))
                        {
                            if (response != null) return response;
                            throw AttemptFailures.For(Verdict.Fail, kind.Description, attempt, failure, null, _options.AttemptTimeout, _server);
                        }
                        response?.Dispose();
                        await _clock.Delay(backoff, cancellationToken).ConfigureAwait(false);
                        continue;
                    default:
                        var answer = response == null ? null : new AttemptFailures.Answer(response);
                        response?.Dispose();
                        throw AttemptFailures.For(decision.Verdict, kind.Description, attempt, failure, answer, _options.AttemptTimeout, _server);
                }
            }
        }

        /// <summary>
        /// One attempt: a slot of the group's budget, the request sent with the time limit of an attempt and its answer
        /// read whole (bounded), the slot moved to when the answer came, and the exchange told. Returns the answer, or
        /// (with none) the failure; a cancellation by the caller is thrown.
        /// </summary>
        private async Task<(HttpResponseMessage? response, Exception? failure)> SendOnceAsync(HttpRequestMessage request, RequestKind kind, RateGroup group, CancellationToken ct)
        {
            var slot = await _budget.TakeAsync(group, ct).ConfigureAwait(false);
            var started = _clock.GetTimestamp();
            HttpResponseMessage? response = null;
            Exception? failure = null;
            using (var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                var limit = _options.AttemptTimeout;
                // An attempt never outlives the caller's wait.
                if (kind.Deadline is DateTimeOffset deadline && deadline - _clock.GetUtcNow() < limit)
                    limit = deadline - _clock.GetUtcNow() > TimeSpan.Zero ? deadline - _clock.GetUtcNow() : TimeSpan.Zero;
                attemptCts.CancelAfter(limit);
                try
                {
                    kind.MarkSent();
                    response = await base.SendAsync(request, attemptCts.Token).ConfigureAwait(false);
                    await BoundedContent.BufferAsync(response, _maxResponseBytes, attemptCts.Token).ConfigureAwait(false);
                }
                catch (Exception e) when ((e is OperationCanceledException && !ct.IsCancellationRequested) || e is HttpRequestException || e is IOException)
                {
                    failure = e;
                }
            }
            await _budget.AnsweredAsync(group, slot, CancellationToken.None).ConfigureAwait(false);
            Exchanged?.Invoke(request, failure == null ? response : null, _clock.GetElapsedTime(started), failure);
            if (failure == null) return (response, null);
            response?.Dispose();
            return (null, failure);
        }

        /// <summary>
        /// The facts of an answer for the policy: its status, Retry-After, whether it is RingCentral's own error (asked
        /// of requests that change something), and what its rate-limit headers tell the budget (those it cannot believe
        /// are ignored: <see cref="ServerValues.Rate"/>). An absurd Retry-After is thrown
        /// (<see cref="RingCentralServerValueException"/>), except on the answer that placed a call: the call is
        /// reported, the number not taken.
        /// </summary>
        private async Task<Attempt> ReadAnswerAsync(HttpResponseMessage response, RequestKind kind, RateGroup group, Attempt attempt)
        {
            attempt.Status = (int)response.StatusCode;
            var placed = !kind.Idempotent && attempt.Status >= 200 && attempt.Status < 300;
            try
            {
                var rate = ServerValues.Rate(response);
                attempt.RetryAfter = ServerValues.RetryAfter(response, _clock.GetUtcNow());
                await _budget.ObserveAsync(group, rate, attempt.Status, CancellationToken.None).ConfigureAwait(false);
            }
            catch (RingCentralServerValueException) when (placed) { }
            catch (RingCentralServerValueException)
            {
                response.Dispose();
                throw;
            }
            // Only a request that changes something is decided by whose error it is (the POST outcome rule).
            attempt.RingCentralError = !kind.Idempotent && attempt.Status >= 400 &&
                                       RingCentralApiException.IsRingCentralError(await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false));
            return attempt;
        }

        /// <summary>
        /// The wait before sending again after a 429, or a 503 with Retry-After, and whether it blocks the group. After a
        /// 429 the group is blocked for the penalty (Retry-After; else the group's window when the answer names one; else
        /// the default; at most <see cref="ServerValues.MaxPenalty"/>) and a margin (<see cref="RetryPolicy.Spread"/>);
        /// after a 503 only this request waits.
        /// </summary>
        private (TimeSpan wait, bool penalize) WaitFor(Decision decision, RateGroup group, HttpResponseMessage? response, int waits)
        {
            if (!decision.Penalize) return (decision.Wait ?? _options.DefaultRetryAfter, false);
            var windowNamed = response != null && RingCentralApiException.Header(response, "X-Rate-Limit-Window") != null;
            var penalty = ServerValues.Penalty(decision.Wait, windowNamed ? _budget.WindowOf(group) : _options.DefaultRetryAfter);
            return (penalty + RetryPolicy.Spread(penalty, waits, _budget.QuietMargin(penalty), Share()), true);
        }

        /// <summary>Whether waiting <paramref name="wait"/> before sending again would pass the request's deadline.</summary>
        private bool PastDeadline(RequestKind kind, TimeSpan wait) => kind.Deadline is DateTimeOffset deadline && _clock.GetUtcNow() + wait >= deadline;

        private bool SameServer([NotNullWhen(true)] Uri? uri) =>
            uri != null && uri.IsAbsoluteUri && string.Equals(uri.Scheme, _server.Scheme, StringComparison.OrdinalIgnoreCase) &&
            string.Equals(uri.Host, _server.Host, StringComparison.OrdinalIgnoreCase) && uri.Port == _server.Port;

        /// <summary>A random share between 0 and 1 (the handler serves many requests at once).</summary>
        private double Share()
        {
            lock (_jitter) return _jitter.NextDouble();
        }
    }
}
