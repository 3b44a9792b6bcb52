using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;

namespace RingOut.PowerShell.Loader
{
    /// <summary>
    /// Imported (as a nested module) before the cmdlet assembly. The module's private folder (bin/Dependencies) holds
    /// the HTTP pipeline (RingOut.Client.Pipeline) and Microsoft.Extensions.*, the assemblies other modules most often
    /// ship in other versions; they are served from there, to the module's own assemblies and to nobody else:
    /// <list type="bullet">
    /// <item>On PowerShell 7 they are loaded into an AssemblyLoadContext of their own, eagerly, so that references
    /// between them bind inside that context even when another module, or the host, has put other versions of the
    /// same assemblies in the default context (higher or lower).</item>
    /// <item>On Windows PowerShell 5.1 (where there are no load contexts) they are loaded from the private folder when
    /// nothing else has.</item>
    /// </list>
    /// The module's own assemblies stay in the default context, beside the manifest, so that PowerShell resolves their
    /// types (<c>[RingOut.Client.RingOutCall]</c>); none of them references Microsoft.Extensions.*.
    /// The context is made by reflection because netstandard2.0 has no AssemblyLoadContext type.
    /// <para>
    /// Which assemblies are private is decided once, in RingOut.PowerShell.csproj (the items it copies to the private
    /// folder); the folder's name once, in Directory.Build.props, and read here from this assembly's metadata. A
    /// request is answered only when it comes from one of the module's own assemblies (or from nobody known, which
    /// only .NET Framework reports) and names an assembly the module ships, with the same culture and public key and a
    /// version no higher than the shipped one, as PSResourceGet's resolver does.
    /// </para>
    /// </summary>
    public sealed class DependencyLoader : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly object Gate = new object();
        private static Dictionary<string, Assembly>? _loaded; // simple name -> assembly in our context (PowerShell 7)
        private static Func<Dictionary<string, Assembly>>? _loadAll;
        // simple name -> what the module ships (null: nothing), read at the first request for that name: the import
        // reads no assembly's metadata (which cost a third of the cold import, System.Reflection.Metadata included).
        private static readonly Dictionary<string, Shipped?> _shipped = new Dictionary<string, Shipped?>(StringComparer.OrdinalIgnoreCase);
        private static string[] _folders = Array.Empty<string>();                     // the module's bin folder and its private folder
        private static bool _hooked;

        /// <summary>The load context's name, for diagnostics: <c>[System.Runtime.Loader.AssemblyLoadContext]::All</c>.</summary>
        public const string ContextName = "RingOut";

        private sealed class Shipped
        {
            public Shipped(string path, AssemblyName name, bool isPrivate) { Path = path; Name = name; Private = isPrivate; }
            public readonly string Path;
            public readonly AssemblyName Name;
            public readonly bool Private;
        }

        public void OnImport()
        {
            lock (Gate)
            {
                if (_hooked) return;
                var self = typeof(DependencyLoader).Assembly;
                var root = Path.GetDirectoryName(self.Location);
                var folderName = self.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "PrivateFolder").Value;
                var folder = Path.Combine(root, folderName);
                _folders = new[] { Normalize(root), Normalize(folder) };

                var alcType = Type.GetType("System.Runtime.Loader.AssemblyLoadContext, System.Runtime.Loader", throwOnError: false)
                              ?? Type.GetType("System.Runtime.Loader.AssemblyLoadContext", throwOnError: false);
                if (alcType != null)
                {
                    // All of them at once, at the first request for any (the first Connect-RingCentral, not the
                    // import): each is then in our context before any of them binds to another.
                    _loadAll = () =>
                    {
                        var privateFiles = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.dll") : Array.Empty<string>();
                        var context = Activator.CreateInstance(alcType, ContextName, false);
                        var loadFromPath = alcType.GetMethod("LoadFromAssemblyPath", new[] { typeof(string) });
                        var loaded = new Dictionary<string, Assembly>(StringComparer.OrdinalIgnoreCase);
                        foreach (var file in privateFiles)
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

        private static Assembly? Resolve(object? sender, ResolveEventArgs args)
        {
            if (_folders.Length == 0 || !FromModule(args.RequestingAssembly)) return null;
            AssemblyName requested;
            try { requested = new AssemblyName(args.Name); }
            catch (Exception e) when (e is ArgumentException || e is FileLoadException) { return null; }
            var shipped = ShippedAs(requested.Name);
            if (shipped == null || !Satisfies(shipped.Name, requested)) return null;
            if (_loadAll != null && shipped.Private)
            {
                lock (Gate) if (_loaded == null) _loaded = _loadAll();
                return _loaded.TryGetValue(requested.Name, out var assembly) ? assembly : null;
            }
            return Assembly.LoadFrom(shipped.Path);
        }

        /// <summary>
        /// What the module ships by that simple name: the private folder's copy, else the bin folder's (Microsoft.Extensions.*
        /// ask for some of the latter, Microsoft.Bcl.AsyncInterfaces, and must get the one copy the module's own
        /// assemblies use, in the default context); null for none.
        /// </summary>
        private static Shipped? ShippedAs(string? simpleName)
        {
            if (string.IsNullOrEmpty(simpleName) || simpleName!.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || simpleName.Contains("..")) return null;
            lock (Gate)
            {
                if (_shipped.TryGetValue(simpleName, out var known)) return known;
                Shipped? found = null;
                for (var i = _folders.Length - 1; i >= 0 && found == null; i--)
                {
                    var file = Path.Combine(_folders[i], simpleName + ".dll");
                    if (File.Exists(file) && NameOf(file) is AssemblyName name) found = new Shipped(file, name, isPrivate: i == 1);
                }
                return _shipped[simpleName] = found;
            }
        }

        /// <summary>
        /// Whether a request comes from the module's own assemblies (those in its bin or private folder). .NET always
        /// names the requester; .NET Framework may not, and then the name alone decides.
        /// </summary>
        private static bool FromModule(Assembly? requester)
        {
            if (requester == null) return _loadAll == null;
            string? location;
            try { location = requester.IsDynamic ? null : requester.Location; }
            catch (NotSupportedException) { return false; }
            if (location is null || location.Length == 0) return false;
            var folder = Normalize(Path.GetDirectoryName(location));
            return _folders.Any(f => string.Equals(f, folder, StringComparison.OrdinalIgnoreCase));
        }

        /// <summary>The shipped assembly answers the request: same name, culture and public key, and a version at least the one asked for.</summary>
        internal static bool Satisfies(AssemblyName shipped, AssemblyName requested)
        {
            if (!string.Equals(shipped.Name, requested.Name, StringComparison.OrdinalIgnoreCase)) return false;
            if (!string.Equals(shipped.CultureName ?? "", requested.CultureName ?? "", StringComparison.OrdinalIgnoreCase)) return false;
            var asked = requested.GetPublicKeyToken();
            if (asked != null && !asked.SequenceEqual(shipped.GetPublicKeyToken() ?? Array.Empty<byte>())) return false;
            return requested.Version == null || (shipped.Version != null && shipped.Version >= requested.Version);
        }

        private static AssemblyName? NameOf(string file)
        {
            try { return AssemblyName.GetAssemblyName(file); }
            catch (Exception e) when (e is BadImageFormatException || e is FileLoadException || e is IOException) { return null; }
        }

        private static string Normalize(string folder) => Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
    }
}
