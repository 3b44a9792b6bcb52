using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;

// The README's main command: a RingOut call placed and followed to its end, against the built-in emulator by
// default. It embeds PowerShell (no pwsh needed), imports the built module, and runs what a user would type:
//
//   Connect-RingCentral -Environment Emulator
//   New-RingOutCall -To '+1 415 555 0123' | Wait-RingOutCall -Until Ended
//
// Options: --to <number> (a scenario number from the README shows a failure), --until Connected|Ended,
// --fast (virtual time: the call's half-minute passes at once), --script '<PowerShell>' to run anything else.
// With RC_SERVER_URL, RC_APP_CLIENT_ID, RC_APP_CLIENT_SECRET and RC_USER_JWT set and --live, it connects to that
// platform instead (the standalone emulator prints them).

var to = Option("--to") ?? "+1 415 555 0123";
var until = Option("--until") ?? "Ended";
var fast = args.Contains("--fast");
var live = args.Contains("--live");
var script = Option("--script");

var manifest = typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RingOutModuleManifest").Value;
var iss = InitialSessionState.CreateDefault2();
if (OperatingSystem.IsWindows()) iss.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
using var runspace = RunspaceFactory.CreateRunspace(iss);
runspace.Open();
Runspace.DefaultRunspace = runspace; // the format view's script blocks run in it

var connect = live ? "Connect-RingCentral" : "Connect-RingCentral -Environment Emulator" + (fast ? " -VirtualTime" : "");
var commands = new List<string>
{
    "Import-Module $args[0]",
    connect,
    "Get-RingCentralSession",
    script ?? $"New-RingOutCall -To $args[1] | Wait-RingOutCall -Until {until} -PollInterval 1",
    "Disconnect-RingCentral",
};
var exitCode = 0;
foreach (var command in commands)
{
    Console.WriteLine($"PS> {command.Replace("$args[0]", $"'{manifest}'").Replace("$args[1]", $"'{to}'")}");
    using var ps = PowerShell.Create();
    ps.Runspace = runspace;
    ps.AddScript(command).AddArgument(manifest).AddArgument(to);
    var lastProgress = new Dictionary<int, string>();
    ps.Streams.Progress.DataAdded += (_, e) =>
    {
        var p = ps.Streams.Progress[e.Index];
        if (p.RecordType == ProgressRecordType.Completed) return;
        var line = $"{(p.ParentActivityId >= 0 ? "    " : "  ")}[{p.Activity}] {p.StatusDescription}";
        if (lastProgress.TryGetValue(p.ActivityId, out var previous) && previous == line) return;
        lastProgress[p.ActivityId] = line;
        Console.WriteLine(line);
    };
    ps.Streams.Warning.DataAdded += (_, e) => Console.WriteLine("WARNING: " + ps.Streams.Warning[e.Index].Message);
    ps.Streams.Error.DataAdded += (_, e) =>
    {
        var error = ps.Streams.Error[e.Index];
        Console.Error.WriteLine($"{error.Exception.Message}\n    + FullyQualifiedErrorId : {error.FullyQualifiedErrorId}");
        exitCode = 1;
    };
    try
    {
        Render(ps.Invoke(), manifest);
    }
    catch (RuntimeException e)
    {
        Console.Error.WriteLine($"{e.Message}\n    + FullyQualifiedErrorId : {e.ErrorRecord?.FullyQualifiedErrorId}");
        return 1;
    }
    Console.WriteLine();
}
return exitCode;

string Option(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

// The module's own table view of a call (RingOut.format.ps1xml: its headers, widths and columns), drawn here
// because a host with only the Core cmdlets has no Format-Table.
static void Render(IEnumerable<PSObject> output, string manifest)
{
    var items = output.Where(o => o != null).ToList();
    var calls = items.Where(o => o.BaseObject.GetType().Name == "RingOutCall").ToList();
    if (calls.Count > 0)
    {
        var format = System.Xml.Linq.XDocument.Load(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(manifest)!, "RingOut.format.ps1xml"));
        var view = format.Descendants("View").First(v => v.Element("Name")?.Value == "RingOutCall").Element("TableControl")!;
        var headers = view.Descendants("TableColumnHeader").Select(h => (Label: h.Element("Label")!.Value, Width: (int?)h.Element("Width"))).ToArray();
        var cells = view.Descendants("TableColumnItem").Select(i => i.Element("PropertyName")?.Value is string name
            ? (Func<PSObject, string>)(c => c.Properties[name].Value?.ToString() ?? "")
            : c => string.Concat(ScriptBlock.Create(i.Element("ScriptBlock")!.Value).InvokeWithContext(null, new List<PSVariable> { new PSVariable("_", c) }).Select(o => o?.ToString()))).ToArray();
        var rows = calls.Select(c => cells.Select(cell => cell(c).Trim()).ToArray()).ToList();
        var widths = headers.Select((h, i) => h.Width ?? Math.Max(h.Label.Length, rows.Max(r => r[i].Length))).ToArray();
        string Cell(string v, int w) => v.Length > w ? v.Substring(0, w - 1) + "…" : v.PadRight(w);
        Console.WriteLine();
        Console.WriteLine(string.Join(" ", headers.Select((h, i) => Cell(h.Label, widths[i]))).TrimEnd());
        Console.WriteLine(string.Join(" ", widths.Select(w => new string('-', w))));
        foreach (var r in rows) Console.WriteLine(string.Join(" ", r.Select((v, i) => Cell(v, widths[i]))).TrimEnd());
    }
    foreach (var other in items.Except(calls))
    {
        if (other.BaseObject.GetType().Name == "RingCentralSession")
        {
            Console.WriteLine();
            foreach (var name in new[] { "EnvironmentName", "Server", "UserName", "ExtensionNumber", "AccountId", "AccessTokenExpiresOn" })
                Console.WriteLine($"{name,-22}: {other.Properties[name].Value}");
        }
        else Console.WriteLine(other);
    }
}
