using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client;
using RingOut.Emulator;

namespace RingOut.PowerShell
{
    /// <summary>
    /// A socket to the in-process emulator's WebSocket gateway: the same messages as over the network, handed over
    /// directly. Events are produced when read, by the emulator's clock, so virtual time needs no background thread.
    /// </summary>
    internal sealed class InProcessEventSocket : IEventSocket
    {
        private readonly EmulatedSocket _socket;

        private InProcessEventSocket(EmulatedSocket socket) { _socket = socket; }

        public static Func<Uri, CancellationToken, Task<IEventSocket>> For(RingCentralEmulator emulator) =>
            (address, ct) => Task.FromResult<IEventSocket>(new InProcessEventSocket(emulator.OpenSocket(address.Query.TrimStart('?'))));

        public bool IsOpen => !_socket.IsClosed;

        public Task SendAsync(string text, CancellationToken cancellationToken)
        {
            _socket.Receive(text);
            return Task.CompletedTask;
        }

        public IReadOnlyList<string> Drain() => _socket.TakeOutgoing();

        public void Dispose() => _socket.Close();
    }
}
