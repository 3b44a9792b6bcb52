using System;
using System.Management.Automation;
using System.Security;
using RingOut.Client;
using RingOut.Client.Http;
using RingOut.Emulator;

namespace RingOut.PowerShell
{
    /// <summary>Where to connect.</summary>
    public enum RingCentralEnvironment
    {
        /// <summary>RingCentral's production platform (https://platform.ringcentral.com).</summary>
        Production,
        /// <summary>The emulator built into the module: offline, with a demo app and user; no credentials needed.</summary>
        Emulator,
    }

    /// <summary>Opens the RingCentral session that the other cmdlets use.</summary>
    [Cmdlet(VerbsCommunications.Connect, "RingCentral", HelpUri = "https://github.com/ringout/RingOut.PowerShell/blob/main/docs/RingOut/Connect-RingCentral.md", DefaultParameterSetName = JwtSet)]
    [OutputType(typeof(RingCentralSession))]
    public sealed class ConnectRingCentralCommand : RingOutCmdlet
    {
        private const string JwtSet = "Jwt", TokenSet = "AccessToken";

        /// <summary>The app's client id (RC_APP_CLIENT_ID when absent).</summary>
        [Parameter(ParameterSetName = JwtSet)]
        [ValidateNotNullOrEmpty]
        public string? ClientId { get; set; }

        /// <summary>The app's client secret (RC_APP_CLIENT_SECRET when absent).</summary>
        [Parameter(ParameterSetName = JwtSet)]
        public SecureString? ClientSecret { get; set; }

        /// <summary>The user's JWT credential (RC_USER_JWT when absent).</summary>
        [Parameter(ParameterSetName = JwtSet)]
        public SecureString? Jwt { get; set; }

        /// <summary>An access token to use as it is; the session ends when it expires.</summary>
        [Parameter(ParameterSetName = TokenSet, Mandatory = true)]
        public SecureString? AccessToken { get; set; }

        [Parameter]
        public RingCentralEnvironment Environment { get; set; }

        /// <summary>Any other platform: the .biz partner platform, a standalone emulator, … (RC_SERVER_URL when absent).</summary>
        [Parameter]
        [ValidateNotNull]
        public Uri? Server { get; set; }

        /// <summary>With -Environment Emulator: time jumps ahead whenever the module would wait, so that calls and rate-limit waits finish at once.</summary>
        [Parameter]
        public SwitchParameter VirtualTime { get; set; }

        /// <summary>How many times one request is retried after a network failure or a 5xx that is safe to retry (0: never). A call is never placed twice whatever this says.</summary>
        [Parameter]
        [ValidateRange(0, 100)]
        public int MaximumRetryCount { get; set; } = new RetryOptions().MaxRetries;

        /// <summary>Seconds before the first such retry; each later one waits twice as long (with jitter), at most 60 s.</summary>
        [Parameter]
        [ValidateRange(1, 600)]
        public int RetryIntervalSec { get; set; } = (int)new RetryOptions().InitialBackoff.TotalSeconds;

        /// <summary>Seconds one attempt of a request may take before it is given up (and retried, when that is safe).</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = (int)new RetryOptions().AttemptTimeout.TotalSeconds;

        /// <summary>
        /// Pace together with the other sessions of the same user and app on this computer that share too (other pwsh
        /// processes, scheduled tasks): RingCentral counts their requests as one. They share a small file in the user's
        /// local application data.
        /// </summary>
        [Parameter]
        public SwitchParameter ShareRateLimits { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void EndProcessing()
        {
            var environmentGiven = MyInvocation.BoundParameters.ContainsKey(nameof(Environment));
            var emulator = environmentGiven && Environment == RingCentralEnvironment.Emulator;
            CheckSwitches(emulator);
            var options = new RingCentralConnectOptions { ShareRateLimits = ShareRateLimits && !emulator };
            SetRetry(options.Retry);
            var emulatorInstance = emulator ? UseEmulator(options) : null;
            if (!emulator) UseServer(options, environmentGiven);

            var session = Connect(options);
            if (emulatorInstance != null) EmulatorLink.Attach(session, emulatorInstance);
            WriteVerbose($"Connected to {session}.");
            MakeCurrent(session);
            if (PassThru) WriteObject(session);
            base.EndProcessing();
        }

        /// <summary>Refuses -Server with -Environment Emulator; warns of switches that do not apply.</summary>
        private void CheckSwitches(bool emulator)
        {
            if (Server != null && emulator)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give either -Environment Emulator or -Server, not both."),
                    ErrorIds.InvalidServer, ErrorCategory.InvalidArgument, Server));
            if (VirtualTime && !emulator)
                WriteWarning("-VirtualTime applies only to -Environment Emulator; it is ignored here.");
            if (ShareRateLimits && emulator)
                WriteWarning("-ShareRateLimits does not apply to -Environment Emulator, which lives in this process alone; it is ignored here.");
        }

        /// <summary>-MaximumRetryCount, -RetryIntervalSec and -TimeoutSec.</summary>
        private void SetRetry(RetryOptions retry)
        {
            retry.MaxRetries = MaximumRetryCount;
            retry.InitialBackoff = TimeSpan.FromSeconds(RetryIntervalSec);
            retry.MaxBackoff = TimeSpan.FromSeconds(Math.Max(RetryIntervalSec, retry.MaxBackoff.TotalSeconds));
            retry.AttemptTimeout = TimeSpan.FromSeconds(TimeoutSec);
        }

        /// <summary>A new in-process emulator (on a virtual clock with -VirtualTime), and its demo credentials unless others are given.</summary>
        private RingCentralEmulator UseEmulator(RingCentralConnectOptions options)
        {
            var clock = VirtualTime ? new VirtualClock { AutoAdvance = true } : (TimeProvider)TimeProvider.System;
            var emu = new RingCentralEmulator(new EmulatorOptions(), clock);
            options.Server = RingCentralEmulator.InProcessBaseUri;
            options.EnvironmentName = "Emulator";
            options.Transport = emu.CreateHandler;
            options.EventSocket = InProcessEventSocket.For(emu);
            options.Clock = clock;
            options.ClientId = ClientId ?? DemoAccount.ClientId;
            options.ClientSecret = ClientSecret ?? Secret.From(DemoAccount.ClientSecret);
            options.Jwt = Jwt ?? Secret.From(DemoAccount.UserJwt);
            return emu;
        }

        /// <summary>The server (-Server, RC_SERVER_URL, else production), checked, and the credential: the parameters, else the RC_* variables.</summary>
        private void UseServer(RingCentralConnectOptions options, bool environmentGiven)
        {
            var server = Server;
            if (server == null && !environmentGiven)
            {
                var fromEnv = System.Environment.GetEnvironmentVariable("RC_SERVER_URL");
                if (!string.IsNullOrWhiteSpace(fromEnv) && !Uri.TryCreate(fromEnv.Trim(), UriKind.Absolute, out server))
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException($"RC_SERVER_URL is not an absolute address: '{fromEnv}'."),
                        ErrorIds.InvalidServer, ErrorCategory.InvalidArgument, fromEnv));
            }
            options.Server = server ?? RingCentralConnectOptions.ProductionServer;
            options.EnvironmentName = server == null ? "Production" : "Custom";
            CheckServer(options.Server);
            if (AccessToken != null) { options.AccessToken = AccessToken; return; }
            options.ClientId = ClientId ?? Env("RC_APP_CLIENT_ID");
            options.ClientSecret = ClientSecret ?? Secret.From(Env("RC_APP_CLIENT_SECRET"));
            options.Jwt = Jwt ?? Secret.From(Env("RC_USER_JWT"));
            var missing = new System.Collections.Generic.List<string>();
            if (string.IsNullOrEmpty(options.ClientId)) missing.Add("-ClientId (or RC_APP_CLIENT_ID)");
            if (options.ClientSecret == null) missing.Add("-ClientSecret (or RC_APP_CLIENT_SECRET)");
            if (options.Jwt == null) missing.Add("-Jwt (or RC_USER_JWT)");
            if (missing.Count > 0)
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException(UserMessages.MissingCredentials(string.Join(", ", missing))),
                    ErrorIds.MissingCredential, ErrorCategory.InvalidArgument, null));
        }

        /// <summary>Connects; a failure ends the command with its ErrorRecord.</summary>
        private RingCentralSession Connect(RingCentralConnectOptions options)
        {
            WriteVerbose($"Connecting to {options.Server} ({options.EnvironmentName}).");
            try
            {
                return Await(ct => RingCentralSession.ConnectAsync(options, ct));
            }
            catch (Exception e) when (ErrorMapping.IsClientFailure(e) || e is ArgumentException)
            {
                var record = e is RingCentralAuthenticationException auth
                    ? new ErrorRecord(e, ErrorIds.AuthenticationFailed, ErrorCategory.AuthenticationError, options.Server)
                    {
                        // Connect is what failed: the advice is about the token, not running Connect again.
                        ErrorDetails = options.AccessToken != null && auth.InnerException is RingCentralApiException refusal
                            ? new ErrorDetails(UserMessages.AccessTokenRefused(refusal.ErrorCode, refusal.ApiMessage)) { RecommendedAction = UserMessages.CheckAccessToken }
                            : null,
                    }
                    : e is ArgumentException ? new ErrorRecord(e, ErrorIds.MissingCredential, ErrorCategory.InvalidArgument, options.Server)
                    : ErrorMapping.Failure(e, options.Server);
                throw Terminate(record);
            }
        }

        /// <summary>Makes the session the current one; the one it replaces is closed (SessionStore.Replace decides when).</summary>
        private void MakeCurrent(RingCentralSession session)
        {
            if (SessionStore.Replace(session, PassThru) is RingCentralSession replaced)
            {
                // RingCentral keeps about five sessions per user and app: the one replaced is ended, not left open.
                WriteVerbose($"Closing the session it replaces ({replaced}).");
                Await(ct => replaced.DisconnectAsync(ct));
            }
        }

        private static string? Env(string name)
        {
            var v = System.Environment.GetEnvironmentVariable(name)?.Trim();
            return v is null || v.Length == 0 ? null : v;
        }

        private void CheckServer(Uri server)
        {
            var https = server.Scheme == Uri.UriSchemeHttps;
            var http = server.Scheme == Uri.UriSchemeHttp;
            if (https || (http && server.IsLoopback)) return;
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException(http
                    ? $"'{server}' uses plain http, which would send credentials unencrypted; only loopback addresses may use http. Use https."
                    : $"'{server}' is not an http(s) address."),
                ErrorIds.InsecureServer, ErrorCategory.SecurityError, server));
        }
    }
}
