using System;
using System.Text.Json;

namespace RingOut.Client
{
    /// <summary>
    /// The WebSocket token (POST /restapi/oauth/wstoken), and the one home of where it may go. As with redirects: to the
    /// session's server and nowhere else (same host and port, and wss for an https server), or, from RingCentral's own
    /// servers, to another of RingCentral's hosts over wss.
    /// </summary>
    internal sealed class GatewayToken
    {
        private GatewayToken(string token, Uri uri, DateTimeOffset reuseUntil) { Token = token; Uri = uri; ReuseUntil = reuseUntil; }

        public string Token { get; }
        public Uri Uri { get; }
        /// <summary>Until when it is reused: 0.8 of its life (at least <see cref="TelephonyEventChannel.MinLifetime"/>), as RingCentral's SDK does.</summary>
        public DateTimeOffset ReuseUntil { get; }

        /// <summary>Reads the answer; the token is handed to <paramref name="secret"/> (to be redacted) before anything can refuse it.</summary>
        public static GatewayToken Read(JsonElement root, Uri server, DateTimeOffset now, Action<string> secret)
        {
            var token = Json.Str(root, "ws_access_token") ?? throw new RingCentralProtocolException("The wstoken answer has no ws_access_token.");
            secret(token); // redacted by value wherever a server's words could show it
            if (!Uri.TryCreate(Json.Str(root, "uri"), UriKind.Absolute, out var uri) || (uri.Scheme != "wss" && uri.Scheme != "ws"))
                throw new RingCentralProtocolException("The wstoken answer has no ws(s) uri.");
            bool RingCentrals(string host) => host.EndsWith(".ringcentral.com", StringComparison.OrdinalIgnoreCase);
            var strong = uri.Scheme == "wss" || server.Scheme != "https";
            var same = string.Equals(uri.Host, server.Host, StringComparison.OrdinalIgnoreCase) && uri.Port == server.Port;
            var ringCentral = RingCentrals(server.Host) && RingCentrals(uri.Host) && uri.Scheme == "wss";
            if (!strong || !(same || ringCentral))
                throw new RingCentralRedirectException($"RingCentral's WebSocket gateway was named at {uri.Scheme}://{uri.Host}:{uri.Port}, not the session's server " +
                    $"({server.Scheme}://{server.Host}:{server.Port}, {(server.Scheme == "https" ? "over wss" : "over ws or wss")}); the token was not sent there.", uri);
            var expires = Json.Long(root, "expires_in") ?? 600;
            return new GatewayToken(token, uri, now + TimeSpan.FromSeconds(TelephonyEventChannel.Lifetime("wstoken expires_in", expires).TotalSeconds * 0.8));
        }
    }
}
