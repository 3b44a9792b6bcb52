using System;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Microsoft.Extensions.DependencyInjection;

// usage: RingOut.Isolation.Probe <module manifest> host-first|module-first|foreign-request
// Prints what it saw; exits 0 only when every step worked.
var manifest = args[0];
var order = args[1];

using var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
runspace.Open();

string PlaceCall()
{
    using var ps = PowerShell.Create();
    ps.Runspace = runspace;
    ps.AddScript("Import-Module $args[0]; Connect-RingCentral -Environment Emulator -VirtualTime; (New-RingOutCall -To '+14155550123' | Wait-RingOutCall).State").AddArgument(manifest);
    var result = ps.Invoke();
    if (ps.HadErrors) throw new InvalidOperationException(string.Join("; ", ps.Streams.Error.Select(e => e + " " + e.Exception.InnerException)));
    return result.Single().ToString();
}

string UseHostsOwnVersion()
{
    // The host's own Microsoft.Extensions (6.0), in the default context.
    var services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
    using var client = services.GetRequiredService<System.Net.Http.IHttpClientFactory>().CreateClient("host");
    return typeof(ServiceCollection).Assembly.GetName().Version.ToString();
}

if (order == "host-first")
{
    Console.WriteLine("host Microsoft.Extensions.DependencyInjection " + UseHostsOwnVersion());
    Console.WriteLine("call " + PlaceCall());
}
else if (order == "foreign-request")
{
    // RingOut's private copies are for RingOut: the host asking for a Microsoft.Extensions.Http it does not ship
    // (8.0, where it has 6.0) must not be handed RingOut's.
    Console.WriteLine("call " + PlaceCall());
    string answer;
    try
    {
        var http = System.Reflection.Assembly.Load("Microsoft.Extensions.Http, Version=8.0.0.0, Culture=neutral, PublicKeyToken=adb9793829ddae60");
        answer = "served " + http.GetName().Version + " from " + System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(http).Name;
    }
    catch (System.IO.FileNotFoundException) { answer = "refused"; }
    catch (System.IO.FileLoadException) { answer = "refused"; }
    Console.WriteLine("foreign request for Microsoft.Extensions.Http 8.0: " + answer);
    Console.WriteLine("call " + PlaceCall());
}
else
{
    Console.WriteLine("call " + PlaceCall());
    Console.WriteLine("host Microsoft.Extensions.DependencyInjection " + UseHostsOwnVersion());
    Console.WriteLine("call " + PlaceCall());
}
var contexts = System.Runtime.Loader.AssemblyLoadContext.All
    .SelectMany(c => c.Assemblies.Where(a => a.GetName().Name == "Microsoft.Extensions.DependencyInjection").Select(a => $"{c.Name}:{a.GetName().Version}"));
Console.WriteLine("loaded " + string.Join(" ", contexts.OrderBy(x => x)));
return 0;
