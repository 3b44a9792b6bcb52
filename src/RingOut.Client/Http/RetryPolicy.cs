using System;

namespace RingOut.Client.Http
{
    /// <summary>How the pipeline retries. Set it through <see cref="RingCentralConnectOptions.Retry"/> (Connect-RingCentral: -MaximumRetryCount, -RetryIntervalSec, -TimeoutSec).</summary>
    public sealed class RetryOptions
    {
        /// <summary>Retries of one request after 5xx and network failures (never a budget shared between requests).</summary>
        public int MaxRetries { get; set; } = 5;
        /// <summary>Retries of one request after 429, or 503 with Retry-After (with RingCentral's error body when repeating it is not safe): the server did not act, so waiting is always safe; this only bounds how long.</summary>
        public int MaxRateLimitRetries { get; set; } = 10;
        /// <summary>First backoff for 5xx and transport failures; it doubles each time, with ±20% jitter.</summary>
        public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(2);
        public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>Wait after a 429 that names no Retry-After and no window.</summary>
        public TimeSpan DefaultRetryAfter { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>Time one attempt may take before it is given up.</summary>
        public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

        internal RetryOptions Copy() => (RetryOptions)MemberwiseClone();

        public override string ToString() =>
            $"{MaxRetries} retries from {InitialBackoff.TotalSeconds:0.#} s (at most {MaxBackoff.TotalSeconds:0.#} s apart), {AttemptTimeout.TotalSeconds:0.#} s per attempt";
    }

    /// <summary>What one attempt came to, as far as retrying is concerned.</summary>
    internal enum AttemptOutcome
    {
        /// <summary>An HTTP answer came (see <see cref="Attempt.Status"/>).</summary>
        Answered,
        /// <summary>The connection was never made (refused, unreachable): the request cannot have reached the server.</summary>
        NotSent,
        /// <summary>The host name does not resolve: waiting will not make it right.</summary>
        NoSuchHost,
        /// <summary>The connection broke, or no answer came in time, after the request may have been sent.</summary>
        Lost,
        /// <summary>An answer came that is larger than the pipeline reads: the server acted, or not; asking again will not help.</summary>
        TooLarge,
    }

    /// <summary>The facts of one attempt: nothing in it is a decision.</summary>
    internal struct Attempt
    {
        public AttemptOutcome Outcome;
        public int Status;
        /// <summary>The answer is RingCentral's own error body (not a gateway's page); read for requests that change something.</summary>
        public bool RingCentralError;
        /// <summary>Retry-After, already bounded; null when absent.</summary>
        public TimeSpan? RetryAfter;
        /// <summary>Retries for 5xx and network failures so far, and waits for 429/503 so far.</summary>
        public int Retries, Waits;
    }

    internal enum Verdict
    {
        /// <summary>Give the answer to the caller: a success, or a refusal that proves nothing was done.</summary>
        Deliver,
        /// <summary>The server did not act; wait <see cref="Decision.Wait"/> (penalising the group on a 429) and send again.</summary>
        WaitAndRetry,
        /// <summary>Repeating it is safe; back off and send again.</summary>
        Backoff,
        /// <summary>A request that changes something may or may not have been acted on: say so, never send it again.</summary>
        OutcomeUnknown,
        /// <summary>A redirect: RingCentral's API never sends one, and none is followed.</summary>
        Redirected,
        /// <summary>Give up and raise the failure as it is.</summary>
        Fail,
    }

    internal struct Decision
    {
        public Verdict Verdict;
        public TimeSpan? Wait;
        public bool Penalize;
        public static Decision Of(Verdict v) => new Decision { Verdict = v };
    }

    /// <summary>
    /// The one home of "did the server act?" and "may this be sent again?". A pure function of the request's kind,
    /// what one attempt came to, and the options.
    /// <list type="bullet">
    /// <item>A request that changes something (POST ring-out) is sent again only when the server provably did not
    /// act: a 429 or a 503 with Retry-After that carries RingCentral's error body, a connection that was never made.
    /// After it, only those answers and a RingCentral error body with a 4xx are refusals; anything else (a gateway's 502 or 504, a 500, a redirect, a
    /// 4xx page that is not RingCentral's, a lost connection) is an unknown outcome.</item>
    /// <item>A request that can be repeated (GET, DELETE, sign-in, refresh within RingCentral's grace) is retried on
    /// 5xx and network failures with backoff, on a budget of its own.</item>
    /// <item>No redirect is followed.</item>
    /// </list>
    /// </summary>
    internal static class RetryPolicy
    {
        public static Decision Decide(RequestKind kind, Attempt a, RetryOptions o)
        {
            if (kind.Once) return Decision.Of(a.Outcome == AttemptOutcome.Answered && (a.Status < 300 || a.Status >= 400) ? Verdict.Deliver : Verdict.Fail);
            switch (a.Outcome)
            {
                case AttemptOutcome.NoSuchHost:
                    return Decision.Of(Verdict.Fail);
                case AttemptOutcome.NotSent:
                    return !kind.FailFast && a.Retries < o.MaxRetries ? Decision.Of(Verdict.Backoff) : Decision.Of(Verdict.Fail);
                case AttemptOutcome.TooLarge:
                    return Decision.Of(kind.Idempotent ? Verdict.Fail : Verdict.OutcomeUnknown);
                case AttemptOutcome.Lost:
                    if (kind.Idempotent) return a.Retries < o.MaxRetries ? Decision.Of(Verdict.Backoff) : Decision.Of(Verdict.Fail);
                    return Decision.Of(Verdict.OutcomeUnknown);
            }

            var status = a.Status;
            if (status >= 300 && status < 400)
                return Decision.Of(kind.Idempotent ? Verdict.Redirected : Verdict.OutcomeUnknown);
            if (status == 429 || (status == 503 && a.RetryAfter != null))
            {
                // A proxy's page with Retry-After in front of a server that acted proves nothing: only RingCentral's own refusal does.
                if (!kind.Idempotent && !a.RingCentralError) return Decision.Of(Verdict.OutcomeUnknown);
                return a.Waits < o.MaxRateLimitRetries
                    ? new Decision { Verdict = Verdict.WaitAndRetry, Wait = a.RetryAfter, Penalize = status == 429 }
                    : Decision.Of(Verdict.Deliver);
            }
            if (status >= 200 && status < 300) return Decision.Of(Verdict.Deliver);
            if (!kind.Idempotent)
                return status >= 400 && status < 500 && a.RingCentralError ? Decision.Of(Verdict.Deliver) : Decision.Of(Verdict.OutcomeUnknown);
            if (status >= 500 && a.Retries < o.MaxRetries) return Decision.Of(Verdict.Backoff);
            return Decision.Of(Verdict.Deliver);
        }

        /// <summary>
        /// The wait before retry <paramref name="retries"/> + 1 after a 5xx or a network failure: the first backoff,
        /// doubling, at most the longest, each ±20 % by <paramref name="share"/> (0 to 1, at random).
        /// </summary>
        public static TimeSpan Backoff(int retries, RetryOptions o, double share)
        {
            var factor = 0.8 + share * 0.4;
            var ticks = Math.Min(o.MaxBackoff.Ticks, o.InitialBackoff.Ticks * Math.Pow(2, retries)) * factor;
            return TimeSpan.FromTicks((long)ticks);
        }

        /// <summary>
        /// How much later than a 429's penalty to come back. RingCentral starts a penalty again at any request made
        /// during it, and processes sharing a user's budget that each came back exactly at their Retry-After kept
        /// restarting one another's penalty for ever (the fleet test found it): after the first refusal, the budget's
        /// quiet margin; after more (the penalty was started again by another client, refused at another moment), at
        /// random (<paramref name="share"/>) up to one more penalty, then two, then four, so that in the end all are
        /// quiet for a whole penalty.
        /// </summary>
        public static TimeSpan Spread(TimeSpan penalty, int refusals, TimeSpan quietMargin, double share)
        {
            var most = refusals <= 1 ? 0 : 1 << Math.Min(refusals - 2, 2);
            return quietMargin + TimeSpan.FromMilliseconds(Math.Round(penalty.TotalMilliseconds * most * share));
        }
    }
}
