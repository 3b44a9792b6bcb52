using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>
    /// The process-wide current session (as Connect-MgGraph and Connect-AzAccount keep theirs), shared by every
    /// runspace; every call cmdlet also takes -Session for scripts that work with several accounts.
    /// A session that Connect-RingCentral replaces is closed (its event subscription and socket released, its tokens
    /// revoked, its pipeline disposed) as soon as no command uses it, unless Connect-RingCentral gave it to the caller
    /// with -PassThru: the module cannot know whether a script's variable still holds such a session, so it is the
    /// script's to end with Disconnect-RingCentral -Session (or with the process).
    /// </summary>
    public static class SessionStore
    {
        private static RingCentralSession? _current;

        /// <summary>What the store knows of a session: the commands using it now, whether it was replaced, whether the caller holds it.</summary>
        private sealed class Use
        {
            public int Commands;
            public bool Replaced;
            public bool PassedThru;
        }

        private static readonly ConditionalWeakTable<RingCentralSession, Use> Uses = new ConditionalWeakTable<RingCentralSession, Use>();

        public static RingCentralSession? Current
        {
            get => Volatile.Read(ref _current);
            internal set => Volatile.Write(ref _current, value);
        }

        /// <summary>Clears the current session if it is <paramref name="session"/>.</summary>
        internal static void Forget(RingCentralSession session) => Interlocked.CompareExchange(ref _current, null, session);

        /// <summary>
        /// Makes <paramref name="next"/> the current session. Returns the session it replaced when that is to be closed
        /// now (no command uses it and the caller was not given it with -PassThru); one that a command still uses is
        /// closed when the last such command ends (<see cref="Leave"/>).
        /// </summary>
        internal static RingCentralSession? Replace(RingCentralSession next, bool passedThru)
        {
            var mine = Uses.GetValue(next, _ => new Use());
            lock (mine) mine.PassedThru |= passedThru;
            var previous = Interlocked.Exchange(ref _current, next);
            if (previous == null || ReferenceEquals(previous, next)) return null;
            var use = Uses.GetValue(previous, _ => new Use());
            lock (use)
            {
                use.Replaced = true;
                return use.Commands == 0 && !use.PassedThru ? previous : null;
            }
        }

        /// <summary>A command uses <paramref name="session"/> until it calls <see cref="Leave"/>.</summary>
        internal static void Enter(RingCentralSession session)
        {
            var use = Uses.GetValue(session, _ => new Use());
            lock (use) use.Commands++;
        }

        /// <summary>A command is done with <paramref name="session"/>: the last to leave a replaced session closes it.</summary>
        internal static void Leave(RingCentralSession session)
        {
            var use = Uses.GetValue(session, _ => new Use());
            lock (use)
            {
                if (--use.Commands > 0 || !use.Replaced || use.PassedThru) return;
            }
            // Off the pipeline: the command that used it is finishing; revocation errors are ignored by DisconnectAsync.
            _ = Task.Run(() => session.DisconnectAsync()).ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        }
    }
}
