using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace RingOut.Testing
{
    /// <summary>One request as the hostile server received it.</summary>
    public sealed class HostileRequest
    {
        public string Method { get; init; }
        /// <summary>The request target as sent: path and query.</summary>
        public string Target { get; init; }
        public string Path => Target.Split('?')[0];
        public IReadOnlyDictionary<string, string> Headers { get; init; }
        public string Body { get; init; }
        public override string ToString() => $"{Method} {Target}";
    }

    /// <summary>What the hostile server answers; <see cref="Drop"/> closes the connection without a word.</summary>
    public sealed class HostileResponse
    {
        public int Status { get; init; } = 200;
        public string Body { get; init; } = "";
        public string ContentType { get; init; } = "application/json";
        public Dictionary<string, string> Headers { get; init; } = new();
        public bool Drop { get; init; }

        public static HostileResponse Json(string body, int status = 200) => new() { Status = status, Body = body };
    }

    /// <summary>
    /// A small HTTP/1.1 server on loopback that answers whatever a test scripts: redirects, absurd headers, gateway
    /// pages, messages that echo what it was sent. Each connection carries one exchange. It serves at most
    /// <see cref="MaxRequests"/> requests and stops when disposed.
    /// </summary>
    public sealed class HostileHttpServer : IDisposable
    {
        /// <summary>The access token this server issues; a test proves it never reaches the user.</summary>
        public const string AccessToken = "HOSTILE-AT-6f1c2a9e0b7d4c3a8e5f";
        public const string RefreshToken = "HOSTILE-RT-0d9e8c7b6a5f4e3d2c1b";

        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly List<HostileRequest> _received = new();
        private readonly Task _loop;

        public HostileHttpServer(Func<HostileRequest, HostileResponse> handler, string hostName = "127.0.0.1")
        {
            Handler = handler;
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            Address = new Uri($"http://{hostName}:{((IPEndPoint)_listener.LocalEndpoint).Port}");
            _loop = Task.Run(AcceptLoop);
        }

        /// <summary>A RingCentral that signs in and says who you are, and answers everything else with <paramref name="rest"/>.</summary>
        public static HostileHttpServer RingCentral(Func<HostileRequest, HostileResponse> rest, string hostName = "127.0.0.1") =>
            new(r => r.Path == "/restapi/oauth/token"
                    ? HostileResponse.Json($"{{\"access_token\":\"{AccessToken}\",\"token_type\":\"bearer\",\"expires_in\":3600,\"refresh_token\":\"{RefreshToken}\",\"refresh_token_expires_in\":604800,\"owner_id\":\"850957020\"}}")
                    : r.Path == "/restapi/v1.0/account/~/extension/~"
                        ? HostileResponse.Json("{\"id\":850957020,\"extensionNumber\":\"101\",\"name\":\"Demo User\",\"account\":{\"id\":37439510},\"regionalSettings\":{\"homeCountry\":{\"isoCode\":\"US\"}}}")
                        : rest(r), hostName);

        public Func<HostileRequest, HostileResponse> Handler { get; set; }
        /// <summary>When set, a WebSocket upgrade is accepted and the socket handed to it (the gateway's side), bounded by the server's life.</summary>
        public Func<System.Net.WebSockets.WebSocket, CancellationToken, Task> WebSocketHandler { get; set; }
        /// <summary>When set, a WebSocket upgrade is never answered (a black-holed gateway): the connection is held until the client closes it, which releases <see cref="BlackHoleClosed"/>.</summary>
        public bool BlackHoleUpgrades { get; set; }
        /// <summary>Released once for each black-holed connection the client closed.</summary>
        public SemaphoreSlim BlackHoleClosed { get; } = new(0);
        public Uri Address { get; }
        public int MaxRequests { get; set; } = 500;
        public IReadOnlyList<HostileRequest> Received { get { lock (_received) return _received.ToArray(); } }

        private async Task AcceptLoop()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
                catch (Exception) { return; }
                _ = Task.Run(() => Serve(client));
            }
        }

        private async Task Serve(TcpClient client)
        {
            using (client)
            {
                try
                {
                    var stream = client.GetStream();
                    var request = await ReadRequest(stream);
                    if (request == null) return;
                    int count;
                    lock (_received) { _received.Add(request); count = _received.Count; }
                    if (count > MaxRequests) return;
                    if (BlackHoleUpgrades && request.Headers.ContainsKey("Upgrade"))
                    {
                        // Bounded by the server's life: held until the client closes its end, or the server stops.
                        try { while (await stream.ReadAsync(new byte[256], _stop.Token) > 0) { } }
                        finally { BlackHoleClosed.Release(); }
                        return;
                    }
                    if (WebSocketHandler != null && request.Headers.TryGetValue("Upgrade", out var upgrade) && upgrade.Equals("websocket", StringComparison.OrdinalIgnoreCase))
                    {
                        var accept = Convert.ToBase64String(System.Security.Cryptography.SHA1.HashData(Encoding.ASCII.GetBytes(request.Headers["Sec-WebSocket-Key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
                        await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"), _stop.Token);
                        using var socket = System.Net.WebSockets.WebSocket.CreateFromStream(stream, new System.Net.WebSockets.WebSocketCreationOptions { IsServer = true });
                        await WebSocketHandler(socket, _stop.Token);
                        return;
                    }
                    var response = Handler(request);
                    if (response.Drop) { client.Client.LingerState = new LingerOption(true, 0); return; }
                    var body = Encoding.UTF8.GetBytes(response.Body ?? "");
                    var head = new StringBuilder($"HTTP/1.1 {response.Status} Hostile\r\nContent-Length: {body.Length}\r\nConnection: close\r\n");
                    if (body.Length > 0) head.Append($"Content-Type: {response.ContentType}\r\n");
                    foreach (var h in response.Headers) head.Append($"{h.Key}: {h.Value}\r\n");
                    head.Append("\r\n");
                    var bytes = Encoding.ASCII.GetBytes(head.ToString());
                    await stream.WriteAsync(bytes, _stop.Token);
                    await stream.WriteAsync(body, _stop.Token);
                }
                catch (Exception e) when (e is IOException || e is SocketException || e is OperationCanceledException || e is ObjectDisposedException || e is System.Net.WebSockets.WebSocketException) { }
            }
        }

        private static async Task<HostileRequest> ReadRequest(NetworkStream stream)
        {
            var buffer = new List<byte>();
            var one = new byte[1];
            while (buffer.Count < 64 * 1024)
            {
                if (await stream.ReadAsync(one) == 0) return null;
                buffer.Add(one[0]);
                var n = buffer.Count;
                if (n >= 4 && buffer[n - 4] == '\r' && buffer[n - 3] == '\n' && buffer[n - 2] == '\r' && buffer[n - 1] == '\n') break;
            }
            var lines = Encoding.ASCII.GetString(buffer.ToArray()).Split("\r\n");
            var first = lines[0].Split(' ');
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in lines.Skip(1).Where(l => l.Contains(':')))
                headers[line.Substring(0, line.IndexOf(':'))] = line.Substring(line.IndexOf(':') + 1).Trim();
            var length = headers.TryGetValue("Content-Length", out var cl) && int.TryParse(cl, out var l) ? Math.Min(l, 1024 * 1024) : 0;
            var body = new byte[length];
            for (var read = 0; read < length;)
            {
                var n = await stream.ReadAsync(body.AsMemory(read));
                if (n == 0) break;
                read += n;
            }
            return new HostileRequest { Method = first[0], Target = first.Length > 1 ? first[1] : "/", Headers = headers, Body = Encoding.UTF8.GetString(body) };
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        }
    }
}
