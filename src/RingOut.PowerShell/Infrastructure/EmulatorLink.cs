using System.Management.Automation;
using System.Runtime.CompilerServices;
using RingOut.Client;
using RingOut.Emulator;

namespace RingOut.PowerShell
{
    /// <summary>
    /// The in-process emulator behind a session opened with <c>-Environment Emulator</c>, for scripts and tests that
    /// steer it (faults, statistics, the clock): <c>(Get-RingCentralSession).Emulator</c>. The session itself knows
    /// nothing of emulators; RingOut.types.ps1xml adds the property, read from here.
    /// </summary>
    public static class EmulatorLink
    {
        private static readonly ConditionalWeakTable<RingCentralSession, RingCentralEmulator> Links = new ConditionalWeakTable<RingCentralSession, RingCentralEmulator>();

        internal static void Attach(RingCentralSession session, RingCentralEmulator emulator) => Links.Add(session, emulator);

        /// <summary>The emulator behind a session; null for a session with a real server (RingOut.types.ps1xml's CodeProperty).</summary>
        public static object? Of(PSObject instance) =>
            instance?.BaseObject is RingCentralSession session && Links.TryGetValue(session, out var emulator) ? emulator : null;

        /// <summary>How the session retries ((Get-RingCentralSession).Retry: a hidden CodeProperty, not in Format-List *).</summary>
        public static object? RetryOf(PSObject instance) => (instance?.BaseObject as RingCentralSession)?.Retry;

        /// <summary>The rate budget of each group ((Get-RingCentralSession).RateLimits: a hidden CodeProperty, not in Format-List *).</summary>
        public static object? RateLimitsOf(PSObject instance) => (instance?.BaseObject as RingCentralSession)?.RateLimits;
    }
}
