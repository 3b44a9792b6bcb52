using System.Management.Automation;

namespace RingOut.PowerShell
{
    /// <summary>Module unload: forget the session when the module is removed.</summary>
    public sealed class ModuleLifetime : IModuleAssemblyCleanup
    {
        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            var session = SessionStore.Current;
            SessionStore.Current = null;
            session?.Dispose();
        }
    }
}
