using System.Collections.Generic;
using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client;
using RingOut.Client.Http;
using RingOut.Emulator;
using RingOut.Testing;
using Xunit;

namespace RingOut.Client.Tests
{
    /// <summary>The client's side of issue 10's attacks (the cmdlets' side is in RingOut.PowerShell.Tests).</summary>
    public sealed class AttackTests
    {
        [Fact]
        public void Redaction_holds_on_every_prefix_of_a_token_answer()
        {
            const string access = "RCEMU-AT-Zq8xW3vB9nM2kL7jH4gF6dS1aP0oI5uY";
            const string refresh = "RCEMU-RT-Tr6eW2qA8sD4fG0hJ3kL9zX5cV1bN7mQ";
            var body = $"{{\"access_token\":\"{access}\",\"token_type\":\"bearer\",\"expires_in\":3600,\"refresh_token\":\"{refresh}\",\"refresh_token_expires_in\":604800}}";
            var form = $"grant_type=refresh_token&refresh_token={refresh}&client_id=x";
            foreach (var text in new[] { body, form })
                for (var n = 0; n <= text.Length; n++)
                {
                    var shown = Redaction.Text(text.Substring(0, n));
                    foreach (var secret in new[] { access, refresh })
                        for (var i = "RCEMU-AT-".Length; i + 6 <= secret.Length; i++)
                            Assert.DoesNotContain(secret.Substring(i, 6), shown);
                }
        }

        [Fact]
        public void Known_secrets_are_redacted_from_any_text_wherever_they_stand()
        {
            var secrets = new SecretRedactor();
            secrets.Add("s3cr3t-access-token-value");
            Assert.Equal("token *** here, and ***.", secrets.Redact("token s3cr3t-access-token-value here, and s3cr3t-access-token-value."));
            Assert.Null(secrets.Redact(null));
        }

        /// <summary>Every form a server can echo a secret in: JSON-escaped, percent-encoded, base64 (alone or inside a longer base64 text, standard or URL-safe).</summary>
        [Fact]
        public void Known_secrets_are_redacted_in_every_form_a_server_can_echo()
        {
            const string token = "HOSTILE-AT-Zq8x/W3vB+9nM2kL7jH4g";
            const string password = "p%41ss\\word-9a8b7c";
            var secrets = new SecretRedactor();
            secrets.Add(token);
            secrets.AddCredential(password);
            string B64(string s) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(s));
            string JsonEscapedAll(string s) => string.Concat(s.Select(c => $"\\u{(int)c:X4}"));
            var echoes = new[]
            {
                token, password,
                "\\u0048" + token.Substring(1),                            // one character escaped
                JsonEscapedAll(token), JsonEscapedAll(token).ToLowerInvariant(),
                token.Replace("/", "\\/"),                                  // JSON's escaped solidus
                System.Uri.EscapeDataString(token),                         // percent-encoded as a form or URL would
                string.Concat(token.Select(c => $"%{(int)c:x2}")),          // every character percent-encoded
                System.Uri.EscapeDataString(password),
                B64(token), B64(password),
                B64(token).Replace('+', '-').Replace('/', '_'),             // URL-safe base64
                B64("{\"assertion\":\"" + token + "\"}"),                    // inside a longer base64 text, at each alignment
                B64("{\"assertion\": \"" + token + "\"}"),
                B64("{\"assertion\":  \"" + token + "\"}"),
                "Basic " + B64("my-client-id:" + password),
                System.Uri.EscapeDataString(B64(token)),                    // base64 percent-encoded
            };
            foreach (var echo in echoes)
            {
                var shown = secrets.Redact("Bad credentials: [" + echo + "] given");
                Assert.StartsWith("Bad credentials: [", shown);
                Assert.EndsWith("] given", shown);
                Assert.Contains("***", shown);
                // What is left of the echo spells no part of a secret, as is, decoded or in base64 at any alignment.
                var left = shown.Replace("***", " ");
                var decoded = System.Uri.UnescapeDataString(System.Text.RegularExpressions.Regex.Unescape(left.Replace("\\/", "/")));
                foreach (var secret in new[] { token, password })
                    foreach (var spelling in new[] { secret, B64(secret), B64("a" + secret).Substring(4), B64("ab" + secret).Substring(4) })
                        for (var i = 0; i + 10 <= spelling.Length - 4; i++)
                        {
                            Assert.DoesNotContain(spelling.Substring(i, 10), left);
                            Assert.DoesNotContain(spelling.Substring(i, 10), decoded);
                        }
            }
            // Ordinary text is left alone.
            Assert.Equal("HOSTILE-AT and %41%42 and \\u0041", secrets.Redact("HOSTILE-AT and %41%42 and \\u0041"));
        }

        /// <summary>A token endpoint that echoes the Authorization header it was sent (Basic base64(id:secret)) shows neither.</summary>
        [Fact]
        public async Task A_token_endpoint_that_echoes_the_Basic_header_shows_no_client_secret()
        {
            const string clientSecret = "CLIENT-SECRET-9a8b7c6d5e";
            using var server = new HostileHttpServer(r =>
            {
                r.Headers.TryGetValue("Authorization", out var auth);
                return HostileResponse.Json($"{{\"error\":\"invalid_client\",\"error_description\":\"Bad credentials: {auth}\"}}", 400);
            });
            var exchanges = new List<HttpExchange>();
            Exception e;
            using (RingCentralSession.ObserveExchanges(exchanges.Add, true))
                e = await Assert.ThrowsAnyAsync<Exception>(() => RingCentralSession.ConnectAsync(new RingCentralConnectOptions
                {
                    Server = server.Address, ClientId = "my-client-id", ClientSecret = Secret.From(clientSecret), Jwt = Secret.From("eyJhbGciOi.JWT-PAYLOAD.SIG"),
                }));
            var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("my-client-id:" + clientSecret));
            Assert.Contains("Bad credentials: Basic ***", e.Message);
            var shown = e.ToString() + string.Concat(exchanges.Select(x => x.RequestBody + x.ResponseBody));
            Assert.DoesNotContain(basic.Substring(4, 20), shown);
            Assert.DoesNotContain(clientSecret, shown);
            Assert.DoesNotContain("JWT-PAYLOAD", shown);
        }

        /// <summary>
        /// A server that echoes the access token JSON-escaped, percent-encoded or in base64 shows it nowhere: not in the
        /// error message, not in the -Debug response body, not in the rate-limit group of the -Verbose line.
        /// </summary>
        [Fact]
        public async Task A_token_echoed_encoded_is_redacted_in_the_message_and_the_debug_exchange()
        {
            var token = HostileHttpServer.AccessToken;
            var escaped = "\\u0048" + token.Substring(1); // \u0048 is 'H', as a JSON encoder may write it
            var encoded = $"{escaped} {Uri.EscapeDataString(token).Replace("-", "%2D")} {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(token))}";
            using var server = HostileHttpServer.RingCentral(r => new HostileResponse
            {
                Status = 404, Body = $"{{\"errorCode\":\"CMN-102\",\"message\":\"no call for {encoded}\"}}",
                Headers = { ["X-Rate-Limit-Group"] = escaped },
            });
            using var session = await RingCentralSession.ConnectAsync(new RingCentralConnectOptions { Server = server.Address, AccessToken = Secret.From(token) });
            var exchanges = new List<HttpExchange>();
            Exception e;
            using (RingCentralSession.ObserveExchanges(exchanges.Add, true))
                e = await Assert.ThrowsAnyAsync<Exception>(() => session.GetCallAsync("1"));
            Assert.Contains("no call for *** *** ***", e.Message);
            var body = Assert.Single(exchanges).ResponseBody;
            Assert.Contains("no call for *** *** ***", body);
            var secretPart = token.Substring(1);
            Assert.DoesNotContain(secretPart, e.ToString());
            Assert.DoesNotContain(secretPart, body);
            Assert.Equal("***", exchanges[0].RateLimitGroup);
            Assert.Equal("***", ((RingCentralApiException)e).RateLimitGroup);
        }

        /// <summary>A -Debug body is cut to its first 4096 characters, but never inside a secret (which would show its start).</summary>
        [Fact]
        public void A_debug_body_is_never_cut_inside_a_secret()
        {
            const string token = "HOSTILE-AT-Zq8xW3vB9nM2kL7jH4gF6dS1aP0oI5uY";
            var secrets = new SecretRedactor();
            secrets.Add(token);
            for (var at = 4096 - token.Length; at <= 4096; at++)
            {
                var shown = Redaction.Text("{\"message\":\"" + new string('x', at - 12) + token + new string('y', 5000) + "\"}", secrets);
                Assert.DoesNotContain(token.Substring(0, 8), shown);
                Assert.Contains("…", shown);
            }
        }

        /// <summary>Refuses every connection, as a port where nothing listens does.</summary>
        private sealed class Refusing : HttpMessageHandler
        {
            public int Attempts;
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref Attempts);
                throw new HttpRequestException("Connection refused", new SocketException((int)SocketError.ConnectionRefused));
            }
        }

        [Fact]
        public async Task A_refused_connection_at_sign_in_fails_at_once_without_retries()
        {
            var refusing = new Refusing();
            var clock = new VirtualClock { AutoAdvance = true };
            await Assert.ThrowsAsync<HttpRequestException>(() => RingCentralSession.ConnectAsync(new RingCentralConnectOptions
            {
                Server = new Uri("http://127.0.0.1:1"), ClientId = "a", ClientSecret = Secret.From("b"), Jwt = Secret.From("c"),
                Transport = () => refusing, Clock = clock,
            }));
            Assert.Equal(1, refusing.Attempts);
            Assert.Equal(TimeSpan.Zero, clock.Elapsed);
        }

        [Theory]
        [InlineData(null)]
        [InlineData("platform.ringcentral.com")] // even RingCentral's own server may name only RingCentral's hosts
        public async Task A_WebSocket_gateway_named_on_another_host_gets_no_token_and_the_wait_can_still_poll(string serverName)
        {
            var opened = new List<Uri>();
            using var server = HostileHttpServer.RingCentral(r => r.Path == "/restapi/oauth/wstoken"
                ? HostileResponse.Json("{\"uri\":\"wss://gateway.attacker.example/ws\",\"ws_access_token\":\"WS-SECRET-1\",\"expires_in\":600}")
                : HostileResponse.Json("{}"));
            var address = serverName == null ? server.Address : new UriBuilder(server.Address) { Host = serverName }.Uri;
            using var session = await RingCentralSession.ConnectAsync(new RingCentralConnectOptions
            {
                Server = address, AccessToken = Secret.From(HostileHttpServer.AccessToken),
                // The name is RingCentral's; the connection goes to the scripted server on loopback.
                Transport = () => new System.Net.Http.SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    ConnectCallback = async (context, ct) =>
                    {
                        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                        await socket.ConnectAsync(System.Net.IPAddress.Loopback, server.Address.Port, ct);
                        return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                    },
                },
                EventSocket = (uri, ct) => { opened.Add(uri); throw new InvalidOperationException("must not be reached"); },
            });
            Assert.Null(await session.TelephonyEventsAsync());
            Assert.Empty(opened);
            Assert.Contains("gateway.attacker.example", session.EventsUnavailable);
            Assert.DoesNotContain("WS-SECRET-1", session.EventsUnavailable);
        }

        [Theory]
        [InlineData("X-Rate-Limit-Window", "2147483647")]
        [InlineData("X-Rate-Limit-Window", "3600")]
        [InlineData("X-Rate-Limit-Window", "121")]
        [InlineData("X-Rate-Limit-Window", "0")]
        [InlineData("X-Rate-Limit-Limit", "-5")]
        [InlineData("X-Rate-Limit-Limit", "99999999999")]
        [InlineData("X-Rate-Limit-Limit", "1000001")]
        [InlineData("X-Rate-Limit-Remaining", "-1")]
        public async Task An_absurd_rate_header_on_a_good_answer_is_ignored_and_leaves_the_budget_as_it_was(string header, string value)
        {
            var clock = new VirtualClock { AutoAdvance = true };
            using var server = HostileHttpServer.RingCentral(_ => new HostileResponse { Body = "{\"id\":1}", Headers = { [header] = value, ["X-Rate-Limit-Group"] = "light" } });
            using var session = await RingCentralSession.ConnectAsync(new RingCentralConnectOptions
            {
                Server = server.Address, AccessToken = Secret.From(HostileHttpServer.AccessToken), Clock = clock,
            });
            Assert.Equal("1", (await session.GetCallAsync("1")).Id);
            var light = session.Budget.State(Http.RateGroup.Light);
            Assert.Equal(50, light.Limit);
            Assert.Equal(TimeSpan.FromSeconds(60), light.Window);
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"the clock moved {clock.Elapsed}");
        }

        [Theory]
        [InlineData("Retry-After", "999999999")]
        [InlineData("Retry-After", "3601")]
        public async Task An_absurd_number_in_a_header_is_an_error_naming_it_and_leaves_the_budget_as_it_was(string header, string value)
        {
            var clock = new VirtualClock { AutoAdvance = true };
            var broken = true;
            using var server = HostileHttpServer.RingCentral(_ => broken
                ? new HostileResponse { Status = header == "Retry-After" ? 429 : 200, Body = "{\"id\":1}", Headers = { [header] = value, ["X-Rate-Limit-Group"] = "light" } }
                : HostileResponse.Json("{\"id\":1}"));
            using var session = await RingCentralSession.ConnectAsync(new RingCentralConnectOptions
            {
                Server = server.Address, AccessToken = Secret.From(HostileHttpServer.AccessToken), Clock = clock,
            });
            var e = await Assert.ThrowsAsync<RingCentralServerValueException>(() => session.GetCallAsync("1"));
            Assert.Equal(header, e.Name);
            Assert.Equal(value, e.Value);
            Assert.Contains(header, e.Message);
            broken = false;
            Assert.Equal("1", (await session.GetCallAsync("1")).Id);
            Assert.True(clock.Elapsed < TimeSpan.FromHours(1), $"the clock moved {clock.Elapsed}");
            Assert.Equal(50, session.Budget.State(Http.RateGroup.Light).Limit);
        }

        [Theory]
        [InlineData("..")]
        [InlineData(".")]
        [InlineData(" 1 2")]
        [InlineData("1/2")]
        [InlineData("%31")]
        [InlineData("\u0661")]
        [InlineData("")]
        public async Task The_client_itself_refuses_an_id_that_is_not_what_RingCentral_issues(string id)
        {
            using var rig = await Rig.StartAsync();
            var before = rig.Emulator.Statistics.TotalRequests;
            await Assert.ThrowsAsync<RingCentralInvalidIdException>(() => rig.Session.GetCallAsync(id));
            await Assert.ThrowsAsync<RingCentralInvalidIdException>(() => rig.Session.CancelCallAsync(id));
            await Assert.ThrowsAsync<RingCentralInvalidIdException>(() => rig.Session.GetCallAsync("1", accountId: id == "" ? "~~" : id));
            await Assert.ThrowsAsync<RingCentralInvalidIdException>(() => rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123", ExtensionId = id == "" ? "~1" : id }));
            Assert.Equal(before, rig.Emulator.Statistics.TotalRequests);
        }
    }
}
