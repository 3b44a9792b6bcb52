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
        Render(ps.Invoke());
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

// The module's format view, drawn here because a host with only the Core cmdlets has no Format-Table.
static void Render(IEnumerable<PSObject> output)
{
    var items = output.Where(o => o != null).ToList();
    var calls = items.Where(o => o.BaseObject.GetType().Name == "RingOutCall").ToList();
    if (calls.Count > 0)
    {
        var columns = new[] { "Id", "CallStatus", "CallerStatus", "CalleeStatus", "To", "State" };
        var rows = calls.Select(c => columns.Select(col => c.Properties[col].Value?.ToString() ?? "").ToArray()).ToList();
        var widths = columns.Select((col, i) => Math.Max(col.Length, rows.Max(r => r[i].Length))).ToArray();
        Console.WriteLine();
        Console.WriteLine(string.Join(" ", columns.Select((c, i) => c.PadRight(widths[i]))));
        Console.WriteLine(string.Join(" ", widths.Select(w => new string('-', w))));
        foreach (var r in rows) Console.WriteLine(string.Join(" ", r.Select((v, i) => v.PadRight(widths[i]))));
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
