namespace RingOut.PowerShell
{
    /// <summary>The module's stable ErrorIds. Scripts and tests match on them; never rename one.</summary>
    public static class ErrorIds
    {
        public const string NotConnected = "RingOut.NotConnected";
        public const string MissingCredential = "RingOut.MissingCredential";
        public const string InsecureServer = "RingOut.InsecureServer";
        public const string InvalidServer = "RingOut.InvalidServer";
        public const string AuthenticationFailed = "RingOut.AuthenticationFailed";
        public const string SessionExpired = "RingOut.SessionExpired";
        public const string ConnectionFailed = "RingOut.ConnectionFailed";
        public const string InvalidPhoneNumber = "RingOut.InvalidPhoneNumber";
        public const string NoPhoneNumberProperty = "RingOut.NoPhoneNumberProperty";
        public const string NoForwardingNumber = "RingOut.NoForwardingNumber";
        public const string InvalidCallId = "RingOut.InvalidCallId";
        public const string InvalidAccountId = "RingOut.InvalidAccountId";
        public const string InvalidExtensionId = "RingOut.InvalidExtensionId";
        public const string Redirected = "RingOut.Redirected";
        public const string ServerValueOutOfRange = "RingOut.ServerValueOutOfRange";
        public const string ApiError = "RingOut.ApiError";
        public const string RateLimited = "RingOut.RateLimited";
        public const string CallNotFound = "RingOut.CallNotFound";
        public const string CannotCancel = "RingOut.CannotCancel";
        public const string CannotHangUp = "RingOut.CannotHangUp";
        public const string EventsUnavailable = "RingOut.EventsUnavailable";
        public const string OutcomeUnknown = "RingOut.OutcomeUnknown";
        public const string UnreadableResponse = "RingOut.UnreadableResponse";
        public const string WaitTimeout = "RingOut.WaitTimeout";
        public const string NoUriHandler = "RingOut.NoUriHandler";
        public const string JournalInUse = "RingOut.JournalInUse";
        public const string JournalMismatch = "RingOut.JournalMismatch";
        public const string NotWritable = "RingOut.NotWritable";
        public const string NoToColumn = "RingOut.NoToColumn";
        public const string BatchSessionEnded = "RingOut.BatchSessionEnded";
    }
}
