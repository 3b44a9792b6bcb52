using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>What the commands remember of a session for each other and for the completers: its forwarding numbers (read once) and the calls placed in it.</summary>
    internal sealed class SessionMemory
    {
        private static readonly ConditionalWeakTable<RingCentralSession, SessionMemory> Table = new ConditionalWeakTable<RingCentralSession, SessionMemory>();
        private readonly object _gate = new object();
        private readonly LinkedList<RingOutCall> _recent = new LinkedList<RingOutCall>();
        private IReadOnlyList<ForwardingNumber>? _forwarding;

        public static SessionMemory Of(RingCentralSession session) => Table.GetValue(session, _ => new SessionMemory());

        public const int RecentCallsKept = 100;

        public void Placed(RingOutCall call)
        {
            lock (_gate)
            {
                _recent.AddFirst(call);
                while (_recent.Count > RecentCallsKept) _recent.RemoveLast();
            }
        }

        public IReadOnlyList<RingOutCall> RecentCalls { get { lock (_gate) return _recent.ToArray(); } }

        /// <summary>The forwarding numbers, read from RingCentral the first time and kept for the session's life.</summary>
        public IReadOnlyList<ForwardingNumber> ForwardingNumbers(RingCentralSession session, CancellationToken ct)
        {
            var known = Volatile.Read(ref _forwarding);
            if (known != null) return known;
            var read = session.GetForwardingNumbersAsync(ct).GetAwaiter().GetResult();
            Volatile.Write(ref _forwarding, read);
            return read;
        }

        public void Remember(IReadOnlyList<ForwardingNumber> numbers) => Volatile.Write(ref _forwarding, numbers);
    }
}
