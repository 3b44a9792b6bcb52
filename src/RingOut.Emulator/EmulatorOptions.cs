using System;

namespace RingOut.Emulator
{
    /// <summary>How long each step of an emulated call takes, token lifetimes and request limits. Every value is adjustable.</summary>
    public sealed class EmulatorOptions
    {
        /// <summary>Time until the caller (the <c>from</c> leg) answers.</summary>
        public TimeSpan CallerAnswerDelay { get; set; } = TimeSpan.FromSeconds(5);
        /// <summary>With <c>playPrompt</c>, time the caller takes to press 1 before the callee is rung.</summary>
        public TimeSpan PromptDelay { get; set; } = TimeSpan.FromSeconds(3);
        /// <summary>Time until the callee (the <c>to</c> leg) answers, for a number that connects.</summary>
        public TimeSpan CalleeAnswerDelay { get; set; } = TimeSpan.FromSeconds(6);
        /// <summary>Time until the callee answers, for the long-ring scenario number.</summary>
        public TimeSpan LongRingDelay { get; set; } = TimeSpan.FromSeconds(25);
        /// <summary>Time after which a leg that is not answered is dropped (NoAnswer).</summary>
        public TimeSpan NoAnswerTimeout { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>Time until a busy leg reports Busy.</summary>
        public TimeSpan BusyDelay { get; set; } = TimeSpan.FromSeconds(2);
        /// <summary>Time until a rejecting leg reports Rejected.</summary>
        public TimeSpan RejectDelay { get; set; } = TimeSpan.FromSeconds(4);
        /// <summary>Time until a failing leg reports GenericError or InternationalDisabled.</summary>
        public TimeSpan ErrorDelay { get; set; } = TimeSpan.FromSeconds(1);
        /// <summary>How long a connected call lasts before both legs are Finished.</summary>
        public TimeSpan TalkTime { get; set; } = TimeSpan.FromSeconds(20);
        /// <summary>How long a call stays visible once it is set up, over or cancelled; then GET answers 404 CMN-102.</summary>
        public TimeSpan Retention { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>How long after a call ends its call log record appears (RingCentral's lag: seconds to minutes).</summary>
        public TimeSpan CallLogLag { get; set; } = TimeSpan.FromSeconds(20);

        public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromSeconds(3600);
        public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromSeconds(604800);
        /// <summary>
        /// OAuth sessions one user may hold in one app at once (RingCentral: about five); a sign-in beyond it revokes
        /// the oldest, whose tokens are then refused as revoked. 0: no limit.
        /// </summary>
        public int MaxSessionsPerUser { get; set; } = 5;
        /// <summary>
        /// RingCentral's refresh grace: a refresh token already used is accepted again, answering with the same new
        /// tokens, for this long after the new access token is first used (zero turns the grace off).
        /// </summary>
        public TimeSpan RefreshTokenReuseGrace { get; set; } = TimeSpan.FromSeconds(10);
        /// <summary>The same grace while the new access token has never been used (the answer was lost, say).</summary>
        public TimeSpan RefreshTokenUnusedGrace { get; set; } = TimeSpan.FromMinutes(60);

        /// <summary>How long a WebSocket access token (POST /restapi/oauth/wstoken) is good for.</summary>
        public TimeSpan WsTokenLifetime { get; set; } = TimeSpan.FromSeconds(600);
        /// <summary>How long a subscription lives unless renewed (PUT).</summary>
        public TimeSpan SubscriptionLifetime { get; set; } = TimeSpan.FromSeconds(900);
        /// <summary>How long after a socket drops its session may be recovered with its wsc token.</summary>
        public TimeSpan WsRecoveryTimeout { get; set; } = TimeSpan.FromSeconds(180);
        /// <summary>How many sent messages are kept to replay on recovery.</summary>
        public int WsRecoveryBufferSize { get; set; } = 100;

        /// <summary>Largest request body accepted, in bytes (413 beyond it).</summary>
        public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

        public RateLimitOptions RateLimits { get; } = new RateLimitOptions();

        /// <summary>Timings that make a whole call last well under a second: for quick demos against a real clock.</summary>
        public static EmulatorOptions Fast()
        {
            var o = new EmulatorOptions();
            o.CallerAnswerDelay = o.CalleeAnswerDelay = TimeSpan.FromMilliseconds(300);
            o.PromptDelay = o.BusyDelay = o.RejectDelay = o.ErrorDelay = TimeSpan.FromMilliseconds(200);
            o.LongRingDelay = TimeSpan.FromSeconds(2);
            o.NoAnswerTimeout = TimeSpan.FromSeconds(2);
            o.TalkTime = TimeSpan.FromSeconds(1);
            o.Retention = TimeSpan.FromSeconds(5);
            o.CallLogLag = TimeSpan.FromSeconds(1);
            return o;
        }
    }

    /// <summary>RingCentral's user-level limits: requests per user and app, per group, over a sliding window.</summary>
    public sealed class RateLimitOptions
    {
        /// <summary>On by default, as on the real platform.</summary>
        public bool Enabled { get; set; } = true;
        public int Light { get; set; } = 50;
        public int Medium { get; set; } = 40;
        public int Heavy { get; set; } = 10;
        public int Auth { get; set; } = 5;
        public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>How long a group is blocked after a 429; any request during it starts it again.</summary>
        public TimeSpan Penalty { get; set; } = TimeSpan.FromSeconds(60);

        public int LimitOf(UsagePlanGroup group)
        {
            switch (group)
            {
                case UsagePlanGroup.Light: return Light;
                case UsagePlanGroup.Medium: return Medium;
                case UsagePlanGroup.Heavy: return Heavy;
                case UsagePlanGroup.Auth: return Auth;
                default: return int.MaxValue;
            }
        }
    }
}
