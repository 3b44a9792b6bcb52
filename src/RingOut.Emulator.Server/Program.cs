using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RingOut.Emulator;

// The RingCentral emulator on loopback. Usage:
//   dotnet run --project src/RingOut.Emulator.Server -- [--urls http://127.0.0.1:5080] [--virtual-clock] [--fast] [--no-rate-limits]
// It prints RC_SERVER_URL, RC_APP_CLIENT_ID, RC_APP_CLIENT_SECRET and RC_USER_JWT for its demo app, one per line.

var virtualClock = args.Contains("--virtual-clock");
var options = args.Contains("--fast") ? EmulatorOptions.Fast() : new EmulatorOptions();
if (args.Contains("--no-rate-limits"))
{
    // Lifted, not switched off: the headers still go out, and say there is room, so that pacing clients do not wait.
    options.RateLimits.Light = options.RateLimits.Medium = options.RateLimits.Heavy = options.RateLimits.Auth = 1_000_000;
}
var emulator = new RingCentralEmulator(options, virtualClock ? new VirtualClock() : TimeProvider.System);

var builder = WebApplication.CreateSlimBuilder(args.Where(a => a != "--virtual-clock" && a != "--fast" && a != "--no-rate-limits").ToArray());
builder.Logging.ClearProviders();
if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_URLS")))
    builder.WebHost.UseUrls("http://127.0.0.1:5080"); // loopback only unless told otherwise
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
var app = builder.Build();

app.Run(async context =>
{
    var http = context.Request;
    var request = new EmulatorRequest
    {
        Method = http.Method,
        Path = http.Path.HasValue ? http.Path.Value : "/",
        Query = http.QueryString.HasValue ? http.QueryString.Value.TrimStart('?') : "",
        BaseUri = $"{http.Scheme}://{http.Host}",
    };
    foreach (var h in http.Headers) request.Headers[h.Key] = h.Value.ToString();

    // Read at most one byte more than the emulator accepts: a huge body is refused, never buffered whole.
    var limit = options.MaxRequestBodyBytes + 1;
    using (var buffer = new MemoryStream())
    {
        var chunk = new byte[16 * 1024];
        int read;
        while (buffer.Length < limit && (read = await http.Body.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, limit - buffer.Length)), context.RequestAborted)) > 0)
            buffer.Write(chunk, 0, read);
        request.BodyTooLarge = buffer.Length >= limit;
        request.Body = request.BodyTooLarge ? Array.Empty<byte>() : buffer.ToArray();
    }

    var response = await emulator.HandleAsync(request, context.RequestAborted);
    if (response.Connection != ConnectionOutcome.Respond)
    {
        context.Abort();
        return;
    }
    context.Response.StatusCode = response.StatusCode;
    foreach (var h in response.Headers) context.Response.Headers[h.Key] = h.Value;
    if (response.ContentType != null) context.Response.ContentType = response.ContentType;
    if (response.Body.Length > 0) await context.Response.Body.WriteAsync(response.Body.AsMemory(), context.RequestAborted);
});

app.Lifetime.ApplicationStarted.Register(() =>
{
    var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://127.0.0.1:5080";
    Console.WriteLine($"RC_SERVER_URL={address}");
    Console.WriteLine($"RC_APP_CLIENT_ID={DemoAccount.ClientId}");
    Console.WriteLine($"RC_APP_CLIENT_SECRET={DemoAccount.ClientSecret}");
    Console.WriteLine($"RC_USER_JWT={DemoAccount.UserJwt}");
    Console.WriteLine($"# RingCentral emulator listening on {address} ({(virtualClock ? "virtual clock: POST /_emulator/clock?seconds=N moves it" : "real clock")}); Ctrl+C stops it.");
    Console.Out.Flush();
});

await app.RunAsync();
