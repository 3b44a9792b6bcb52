using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client;
using Xunit;

namespace RingOut.Client.Tests
{
    /// <summary>Issue 25: a session that ends releases what it holds at the server.</summary>
    public sealed class SessionEndTests
    {
        /// <summary>The in-process socket, with what the client sent over it and what it read.</summary>
        private sealed class Recording : IEventSocket
        {
            private readonly IEventSocket _inner;
            public readonly List<string> Sent = new List<string>(), Read = new List<string>();
            public bool Disposed;
            public Recording(IEventSocket inner) { _inner = inner; }
            public bool IsOpen => _inner.IsOpen;
            public Task SendAsync(string text, CancellationToken ct) { lock (Sent) Sent.Add(text); return _inner.SendAsync(text, ct); }
            public IReadOnlyList<string> Drain() { var d = _inner.Drain(); lock (Read) Read.AddRange(d); return d; }
            public void Dispose() { Disposed = true; _inner.Dispose(); }
        }

        [Fact]
        public async Task Disconnect_ends_the_event_subscription_and_closes_the_socket_before_revoking()
        {
            Rig? rig = null;
            var sockets = new List<Recording>();
            rig = await Rig.StartAsync(configure: o => o.EventSocket = async (address, ct) =>
            {
                var s = new Recording(await RingOut.PowerShell.InProcessEventSocket.For(rig!.Emulator)(address, ct));
                sockets.Add(s);
                return s;
            });
            using (rig)
            {
                Assert.NotNull(await rig.Session.TelephonyEventsAsync());
                Assert.Equal(1, rig.Emulator.OpenSockets);
                await rig.Session.DisconnectAsync();
                var socket = Assert.Single(sockets);
                var delete = Assert.Single(socket.Sent, m => m.Contains("\"DELETE\"") && m.Contains("/restapi/v1.0/subscription/"));
                var id = System.Text.Json.JsonDocument.Parse(delete).RootElement[0].GetProperty("messageId").GetString();
                // RingCentral answered 204: the subscription is gone; then the socket was closed, and the tokens revoked.
                Assert.Contains(socket.Read, m => m.Contains(id!) && m.Contains("\"status\":204"));
                Assert.True(socket.Disposed);
                Assert.Equal(0, rig.Emulator.OpenSockets);
                Assert.Equal(1, rig.Count("POST", "revoke"));
            }
        }

        [Fact]
        public async Task The_network_socket_closes_with_a_Close_frame()
        {
            var port = FreePort();
            using var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            listener.Start();
            var served = Task.Run(async () =>
            {
                var context = await listener.GetContextAsync();
                var ws = (await context.AcceptWebSocketAsync(null)).WebSocket;
                var result = await ws.ReceiveAsync(new ArraySegment<byte>(new byte[1024]), CancellationToken.None);
                return (result.MessageType, result.CloseStatus);
            });
            var socket = (NetworkEventSocket)await NetworkEventSocket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/"), CancellationToken.None);
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await socket.CloseAsync(bounded.Token);
            socket.Dispose();
            var (type, status) = await served.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(WebSocketMessageType.Close, type);
            Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        }

        private static int FreePort()
        {
            var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            l.Start();
            var port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            return port;
        }
    }
}
