using System;
using System.Net.Http;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client.Http;

namespace RingOut.Client
{
    /// <summary>How to connect: the server, and the credential (JWT flow, or an access token brought along).</summary>
    public sealed class RingCentralConnectOptions
    {
        public static readonly Uri ProductionServer = new Uri("https://platform.ringcentral.com");

        public Uri Server { get; set; } = ProductionServer;
        /// <summary>A name for the platform: Production, Emulator, or Custom.</summary>
        public string EnvironmentName { get; set; } = "Production";
        public string? ClientId { get; set; }
        public SecureString? ClientSecret { get; set; }
        public SecureString? Jwt { get; set; }
        /// <summary>An access token to use as it is (no refresh token: the session ends when it expires).</summary>
        public SecureString? AccessToken { get; set; }
        /// <summary>The innermost transport; null for the network. The in-process emulator supplies its own.</summary>
        public Func<HttpMessageHandler>? Transport { get; set; }
        /// <summary>Opens a socket to RingCentral's WebSocket gateway; null for the network (ClientWebSocket). The in-process emulator supplies its own.</summary>
        public Func<Uri, CancellationToken, Task<IEventSocket>>? EventSocket { get; set; }
        public TimeProvider Clock { get; set; } = TimeProvider.System;
        public RetryOptions Retry { get; set; } = new RetryOptions();
        public TimeSpan RefreshMargin { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>
        /// Pace together with every other session of the same user and app on this computer that shares too (other
        /// processes, scheduled tasks): RingCentral counts their requests as one. See <see cref="RateBudget.ShareThrough"/>.
        /// </summary>
        public bool ShareRateLimits { get; set; }
        /// <summary>The file to share them through; null for the default one of the user, app and server (in the local application data).</summary>
        public string? RateLimitFile { get; set; }
    }
}
