using System;

namespace RingOut.Client
{
    /// <summary>
    /// The client's words for a session that is over, in one place. They name the command that opens a new session,
    /// since that is what a reader of the error needs next; a library caller reads "Connect-RingCentral" as
    /// <see cref="RingCentralSession.ConnectAsync"/>.
    /// </summary>
    internal static class Messages
    {
        public const string SignInAgain = "Run Connect-RingCentral to sign in again.";
        public const string Disconnected = "This RingCentral session was disconnected. Run Connect-RingCentral to open a new one.";
        public const string NoRefreshToken = "The access token has expired or was refused, and this session has no refresh token to renew it.";

        /// <summary>Why a session that RingCentral ended is over: it holds no JWT credential to sign in again with.</summary>
        public const string CannotSignInAgain = "The session was opened with an access token, not a JWT credential, so it cannot sign in again by itself. " + SignInAgain;

        /// <summary>RingCentral refused a token brought by the user (<see cref="NoRefreshToken"/> with RingCentral's own words).</summary>
        public static string AccessTokenRefused(string? code, string? message) =>
            $"RingCentral refused the access token ({code}: {message}), and this session has no refresh token to renew it.";

        public static string RefreshTokenExpired(DateTimeOffset at) => $"The session's refresh token expired at {at:u}.";

        public static string RefreshRefused(string? code, string? message) =>
            $"RingCentral refused to refresh the session ({code}: {message}); it was ended or revoked.";

        public static string SignInAgainRefused(string why, string? code, string? message) =>
            $"{why} Signing in again with the JWT credential was refused too ({code}: {message}). " + SignInAgain;

        public static string SignedInAgain(string why) => $"Signed in again with the JWT credential: {why}";

        /// <summary>Why a session that was to share its rate limits paces alone for now (said once per session).</summary>
        public static string PacingAlone(string why) =>
            $"The rate limits cannot be shared with the other sessions of this user and app on the computer ({why}), so this session paces alone for now and tries again each minute.";

        /// <summary>Why a session that signed in again is over: RingCentral ended the new session too, before any request succeeded.</summary>
        public static string SignedInSessionEnded(DateTimeOffset at, string why) =>
            $"RingCentral ended the session, which had signed in again with the JWT credential at {at:u} ({why}), and then ended that new session too " +
            "before any request succeeded with it (RingCentral limits the sessions of one user open at once: other processes signing in may end this one). " +
            "It does not sign in again in a loop. " + SignInAgain;

        /// <summary>Why a session that keeps being ended is over: it signed in again too often (TokenManager.MaxSignInsAgainInWindow).</summary>
        public static string SignInChurn(string why, int times, TimeSpan window, SessionSignIn last) =>
            $"{why} The session already signed in again with the JWT credential {times} times in the last {window.TotalMinutes:0} minutes " +
            $"(the last at {last.At:u}), and RingCentral ended each new session again: it does not sign in again without end " +
            "(RingCentral limits the sessions of one user open at once: other processes signing in as this user may end this one). " + SignInAgain;
    }
}
