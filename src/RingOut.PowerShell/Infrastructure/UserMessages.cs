namespace RingOut.PowerShell
{
    /// <summary>
    /// The words the cmdlets say to users, in one place: what to run next, and the longer explanations. Messages that
    /// carry values are methods; the ErrorIds they go with are in <see cref="ErrorIds"/>.
    /// </summary>
    internal static class UserMessages
    {
        public const string Connect = "Connect-RingCentral";
        public const string NotConnected = "You are not connected to RingCentral.";
        public const string RunConnect = "Run " + Connect + " first (or " + Connect + " -Environment Emulator to try RingOut offline).";
        public const string SignInAgain = "Run " + Connect + " to sign in again.";
        public const string CheckAccessToken = "Check the access token (a current one, for this server), or sign in with -ClientId, -ClientSecret and -Jwt.";

        /// <summary>Connect-RingCentral -AccessToken, refused by RingCentral.</summary>
        public static string AccessTokenRefused(string? code, string? message) =>
            $"RingCentral refused the access token ({code}: {message}).";
        public const string NothingToDisconnect = "There is no RingCentral session to disconnect.";
        public const string CheckOutcome = "Check the phone or the call log before placing the call again.";
        public const string StoppedAsPlaced = "RingCentral placed the call, but the pipeline was stopped (Ctrl+C) as its answer came, so it was not written: pipe Get-RingOutCall -Id to follow it.";
        public const string StoppedWhileWaiting = "Wait-RingOutCall was stopped (Ctrl+C) before this call's outcome was known: pipe Get-RingOutCall -Id to Wait-RingOutCall to follow it.";
        public const string CheckServerIsRingCentral = "Check that the server is RingCentral's (-Server), or try again later.";
        public const string NoRedirects = "Check the server address (-Server or RC_SERVER_URL): RingCentral's API is reached directly, never through a redirect.";
        public const string IdAsIssued = "Give the id as RingCentral issued it: digits only (or ~ for your own account or extension).";
        public const string CallIdAsIssued = "Give the call's Id as RingCentral issued it (digits): pipe the calls New-RingOutCall wrote, or rows that kept their Id (Import-Csv outcomes.csv | Where-Object Id | Wait-RingOutCall).";
        public const string NumberForm = "Give the number in E.164 form, for example +16505550123.";
        public const string GiveFrom = "Give -From (the number of the phone to ring first) or -ForwardingNumberId, or add a forwarding number to the extension.";
        public const string CheckValues = "Check the values given.";
        public const string LacksPermission = "The app or the user lacks a permission for this; ask the account's administrator.";
        public const string RateLimited = "RingCentral's rate limit was exceeded; wait a minute and try again.";
        public const string ServerTrouble = "RingCentral is having trouble; try again later.";
        public const string CancelOnlyWhileRinging = "A RingOut can be cancelled only while the called party is still ringing; a connected one is hung up through Call Control, and one that is over cannot be stopped.";
        public const string EventsTemporarilyUnavailable = "RingCentral failed for a while (not a refusal): try again later, or wait with -Via Auto (the default), which polls while events cannot be had and subscribes again after its backoff.";
        public const string EventsUnavailable = "Give the app the WebSocketsSubscription permission, or wait with -Via Polling (or Auto, the default, which polls when events cannot be had).";
        public const string EndOnThePhone = "End the call on the phone.";
        public const string WaitLonger = "Wait longer with -Timeout, or cancel the call with Stop-RingOutCall.";
        public const string FollowTheRest = "Run " + Connect + ", then pipe $error[0].TargetObject.Pending to Wait-RingOutCall to follow the rest.";

        public const string SemicolonSeparated = "The file looks separated by semicolons, as Excel writes CSV in much of Europe: read it with Import-Csv -Delimiter ';' (or -UseCulture).";

        public static string NameTheNumberColumn(string to, string command) => command == "New-RingOutCall"
            ? $"Name the column of numbers {to}, or pass it: Import-Csv calls.csv | New-RingOutCall -{to} {{ $_.Mobile }}."
            : $"Name the column of numbers {to}, or add one: Import-Csv calls.csv | Select-Object *, @{{ Name = '{to}'; Expression = {{ $_.Mobile }} }} | {command} ….";

        public static string NoNumberProperty(string to, string aliases, System.Collections.Generic.IReadOnlyList<string> properties) =>
            $"The input has no {to} property (nor {aliases}), so it has no number to call; its properties are {(properties.Count == 0 ? "none" : string.Join(", ", properties))}.";

        public static string NoCallIdProperty(string id, string alias, System.Collections.Generic.IReadOnlyList<string> properties) =>
            $"The input has no {id} property (nor {alias}), so it names no RingOut call; its properties are {(properties.Count == 0 ? "none" : string.Join(", ", properties))}.";

        public static string CheckValue(string parameter) => $"Check the value given for '{parameter}'.";

        public static string CallNotFound(string id) =>
            $"RingCentral no longer knows RingOut call {id}. A RingOut disappears shortly after it is connected or over, so this need not mean that it failed; an id that was never valid looks the same.";

        /// <summary>Said from the call as read, once: RingCentral's own words (which name the call and the rule again) stay in the inner exception.</summary>
        /// <summary>The advice for a session that could not subscribe to telephony events, fit to why: a permission refused, or a failure that passes.</summary>
        public static string EventsUnavailableAdvice(System.Exception? refusal) =>
            refusal is RingOut.Client.RingCentralApiException api && ((int)api.StatusCode >= 500 || (int)api.StatusCode == 429) ||
            refusal != null && !(refusal is RingOut.Client.RingCentralApiException)
                ? EventsTemporarilyUnavailable : EventsUnavailable;

        public static string CannotCancel(string id, RingOut.Client.RingOutCallState state) => $"RingOut call {id} cannot be cancelled: it is no longer ringing (its state: {state}).";

        public static string HangUpQuestion(string id, string? to) =>
            $"RingOut call {id}{(to != null ? " to " + to : "")} is connected: hang it up? This ends the conversation for both parties.";

        public static string EndedWhileAsked(string id, string? to) =>
            $"RingOut call {id}{(to != null ? " to " + to : "")} ended by itself while the question waited for your answer: there was nothing left to hang up.";

        public static string MissingCredentials(string missing) =>
            $"{Connect} needs {missing}; or use -AccessToken, or -Environment Emulator to work offline.";
    }
}
