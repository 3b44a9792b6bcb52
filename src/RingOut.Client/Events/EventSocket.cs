using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace RingOut.Client
{
    /// <summary>
    /// One WebSocket connection to RingCentral's gateway, as text messages both ways. The network one is a
    /// ClientWebSocket; the in-process emulator supplies its own (<see cref="RingCentralConnectOptions.EventSocket"/>).
    /// </summary>
    public interface IEventSocket : IDisposable
    {
        Task SendAsync(string text, CancellationToken cancellationToken);
        /// <summary>The messages received since the last call, without waiting.</summary>
        IReadOnlyList<string> Drain();
        bool IsOpen { get; }
    }

    /// <summary>The network socket: a ClientWebSocket whose messages are read in the background into a queue.</summary>
    internal sealed class NetworkEventSocket : IEventSocket
    {
        private readonly ClientWebSocket _ws = new ClientWebSocket();
        private readonly ConcurrentQueue<string> _in = new ConcurrentQueue<string>();
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        internal static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);
        /// <summary>The most text held unread (16 M characters): four of the largest messages.</summary>
        internal const long MaxQueuedChars = 16L * 1024 * 1024;
        private long _queued;

        public static Task<IEventSocket> ConnectAsync(Uri address, CancellationToken ct) => ConnectAsync(address, ConnectTimeout, ct);

        /// <summary>Connects within <paramref name="timeout"/> (a real socket: on the real clock), or fails with a <see cref="TimeoutException"/>, leaving nothing open behind.</summary>
        public static async Task<IEventSocket> ConnectAsync(Uri address, TimeSpan timeout, CancellationToken ct)
        {
            var socket = new NetworkEventSocket();
            try
            {
                // Bounded: a black-holed gateway would otherwise stall every round for the OS's TCP timeout.
                using (var limit = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    limit.CancelAfter(timeout);
                    try { await socket._ws.ConnectAsync(address, limit.Token).ConfigureAwait(false); }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        throw new TimeoutException($"RingCentral's WebSocket gateway did not accept the connection within {timeout.TotalSeconds:0.#} s.");
                    }
                }
            }
            catch
            {
                socket.Dispose(); // the socket and its CancellationTokenSource are not left behind
                throw;
            }
            _ = socket.ReceiveLoopAsync();
            return socket;
        }

        private async Task ReceiveLoopAsync()
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (_ws.State == WebSocketState.Open)
                {
                    using (var message = new System.IO.MemoryStream())
                    {
                        WebSocketReceiveResult result;
                        do
                        {
                            result = await _ws.ReceiveAsync(new ArraySegment<byte>(buffer), _stop.Token).ConfigureAwait(false);
                            // A Close, or a message past the bound every answer has: the socket is ended (aborted), not left
                            // open and deaf, so that the next read reconnects.
                            if (result.MessageType == WebSocketMessageType.Close) { _ws.Abort(); return; }
                            message.Write(buffer, 0, result.Count);
                            if (message.Length > Http.BoundedContent.MaxBytes) { _ws.Abort(); return; }
                        } while (!result.EndOfMessage);
                        var text = Encoding.UTF8.GetString(message.ToArray());
                        // A Heartbeat tells nothing to keep: not queued (a flood of them while no wait reads grew the process by GBs).
                        if (text.Length < 1024 && text.Contains("\"Heartbeat\"")) continue;
                        // Messages not read are bounded too: past it, the socket is ended, and the next read reconnects
                        // with recovery (what was lost is a gap, which the wait polls for).
                        if (Interlocked.Add(ref _queued, text.Length) > MaxQueuedChars) { _ws.Abort(); return; }
                        _in.Enqueue(text);
                    }
                }
            }
            catch (Exception e) when (e is WebSocketException || e is OperationCanceledException || e is ObjectDisposedException) { }
        }

        public bool IsOpen => _ws.State == WebSocketState.Open;

        public Task SendAsync(string text, CancellationToken cancellationToken) =>
            _ws.SendAsync(new ArraySegment<byte>(Encoding.UTF8.GetBytes(text)), WebSocketMessageType.Text, true, cancellationToken);

        /// <summary>Sends a Close frame (a normal closure) and waits, bounded by <paramref name="ct"/>, for the server's.</summary>
        public async Task CloseAsync(CancellationToken ct)
        {
            try
            {
                if (_ws.State == WebSocketState.Open) await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "disconnected", ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException || e is OperationCanceledException || e is ObjectDisposedException) { }
        }

        public IReadOnlyList<string> Drain()
        {
            var list = new List<string>();
            while (_in.TryDequeue(out var s)) { list.Add(s); Interlocked.Add(ref _queued, -s.Length); }
            return list;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _ws.Dispose();
            _stop.Dispose();
        }
    }
}
