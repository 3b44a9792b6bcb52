using System.Threading;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>
    /// The process-wide current session (as Connect-MgGraph and Connect-AzAccount keep theirs), shared by every
    /// runspace; every call cmdlet also takes -Session for scripts that work with several accounts.
    /// </summary>
    public static class SessionStore
    {
        private static RingCentralSession? _current;

        public static RingCentralSession? Current
        {
            get => Volatile.Read(ref _current);
            internal set => Volatile.Write(ref _current, value);
        }

        /// <summary>Clears the current session if it is <paramref name="session"/>.</summary>
        internal static void Forget(RingCentralSession session) => Interlocked.CompareExchange(ref _current, null, session);
    }
}
