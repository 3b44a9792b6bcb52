using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;

namespace RingOut.PowerShell.Loader
{
    /// <summary>
    /// Imported (as a nested module) before the cmdlet assembly. The module's Dependencies folder holds the HTTP
    /// pipeline (RingOut.Client.Pipeline) and Microsoft.Extensions.*, the assemblies other modules most often ship
    /// in other versions; they are served from there and nowhere else:
    /// <list type="bullet">
    /// <item>On PowerShell 7 they are loaded into an AssemblyLoadContext of their own, eagerly, so that references
    /// between them bind inside that context even when another module, or the host, has put other versions of the
    /// same assemblies in the default context (higher or lower).</item>
    /// <item>On Windows PowerShell 5.1 (where there are no load contexts) an AssemblyResolve handler loads them from
    /// the Dependencies folder when nothing else has.</item>
    /// </list>
    /// The module's own assemblies stay in the default context, beside the manifest, so that PowerShell resolves their
    /// types (<c>[RingOut.Client.RingOutCall]</c>); none of them references Microsoft.Extensions.*.
    /// The context is made by reflection because netstandard2.0 has no AssemblyLoadContext type.
    /// </summary>
    public sealed class DependencyLoader : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly object Gate = new object();
        private static Dictionary<string, Assembly> _loaded; // simple name -> assembly in our context (PowerShell 7)
        private static Func<Dictionary<string, Assembly>> _loadAll;
        private static Dictionary<string, string> _paths;     // simple name -> file: Dependencies (Windows PowerShell) and the module folder
        private static bool _hooked;

        /// <summary>The load context's name, for diagnostics: <c>[System.Runtime.Loader.AssemblyLoadContext]::All</c>.</summary>
        public const string ContextName = "RingOut";

        public void OnImport()
        {
            lock (Gate)
            {
                if (_hooked) return;
                var root = Path.GetDirectoryName(typeof(DependencyLoader).Assembly.Location);
                var folder = Path.Combine(root, "Dependencies");
                var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.dll") : new string[0];
                // The module folder's assemblies too: Microsoft.Extensions.* ask for some of them (Microsoft.Bcl.AsyncInterfaces),
                // and must get the one copy the module's own assemblies use, in the default context.
                _paths = Directory.GetFiles(root, "*.dll").Concat(files)
                    .GroupBy(f => Path.GetFileNameWithoutExtension(f), StringComparer.OrdinalIgnoreCase)
                    .ToDictionary(g => g.Key, g => g.Last(), StringComparer.OrdinalIgnoreCase);

                var alcType = Type.GetType("System.Runtime.Loader.AssemblyLoadContext, System.Runtime.Loader", throwOnError: false)
                              ?? Type.GetType("System.Runtime.Loader.AssemblyLoadContext", throwOnError: false);
                if (alcType != null)
                {
                    // All of them at once, at the first request for any (the first Connect-RingCentral, not the
                    // import): each is then in our context before any of them binds to another.
                    _loadAll = () =>
                    {
                        var context = Activator.CreateInstance(alcType, ContextName, false);
                        var loadFromPath = alcType.GetMethod("LoadFromAssemblyPath", new[] { typeof(string) });
                        var loaded = new Dictionary<string, Assembly>(StringComparer.OrdinalIgnoreCase);
                        foreach (var file in files)
                            loaded[Path.GetFileNameWithoutExtension(file)] = (Assembly)loadFromPath.Invoke(context, new object[] { file });
                        return loaded;
                    };
                }
                AppDomain.CurrentDomain.AssemblyResolve += Resolve;
                _hooked = true;
            }
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            // The assemblies cannot be unloaded; the handler stays so that objects already made keep working.
        }

        private static Assembly Resolve(object sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name).Name;
            if (_paths == null || !_paths.TryGetValue(name, out var path)) return null;
            if (_loadAll != null && Path.GetFileName(Path.GetDirectoryName(path)) == "Dependencies")
            {
                lock (Gate) if (_loaded == null) _loaded = _loadAll();
                return _loaded.TryGetValue(name, out var assembly) ? assembly : null;
            }
            return Assembly.LoadFrom(path);
        }
    }
}
