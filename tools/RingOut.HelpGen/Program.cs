using System;
using System.IO;
using System.Linq;
using System.Reflection;
using RingOut.HelpGen;

// dotnet run --project tools/RingOut.HelpGen            regenerates en-US/ from docs/RingOut/ (commit the result)
// dotnet run --project tools/RingOut.HelpGen -- --check  exits 1 when en-US/ is not what the markdown generates
string Meta(string key) => typeof(Generator).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value;
var root = Path.GetFullPath(Meta("RepositoryRoot"));
var files = Generator.Generate(Path.Combine(root, "docs", "RingOut"), Meta("RingOutModuleManifest"));
var enUs = Path.Combine(root, "en-US");
var stale = files.Where(f => !File.Exists(Path.Combine(enUs, f.Key)) || File.ReadAllText(Path.Combine(enUs, f.Key)) != f.Value).Select(f => f.Key).ToList();
if (args.Contains("--check"))
{
    foreach (var f in stale) Console.Error.WriteLine($"en-US/{f} is not what docs/RingOut generates: run dotnet run --project tools/RingOut.HelpGen");
    return stale.Count == 0 ? 0 : 1;
}
Directory.CreateDirectory(enUs);
foreach (var (name, text) in files) File.WriteAllText(Path.Combine(enUs, name), text);
Console.WriteLine($"wrote {files.Count} files to {enUs} ({stale.Count} changed)");
return 0;
