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

// The RingCentral emulator on loopback (--help says how to use it). It prints RC_SERVER_URL, RC_APP_CLIENT_ID,
// RC_APP_CLIENT_SECRET and RC_USER_JWT for its demo app, one NAME=value per line (the tests read these lines, up to
// the first that starts with #), then the same as a line to paste into bash and one to paste into pwsh.

const string Usage = """
    The RingCentral emulator of the RingOut module, on loopback: RingCentral's OAuth, RingOut, call log, Call Control
    and WebSocket APIs, with a demo app and user, for RingCentral's SDKs and Connect-RingCentral.

    Usage: dotnet run --project src/RingOut.Emulator.Server -- [options]

      --urls <url>        where to listen (default http://127.0.0.1:5080; port 0 picks a free one)
      --virtual-clock     time moves only by POST /_emulator/clock?seconds=N
      --fast              short rings and calls (seconds instead of half a minute)
      --no-rate-limits    lift RingCentral's rate limits (the headers still go out)
      --help              this text

    It prints the RC_* variables of its demo app, in bash and pwsh forms to paste; Connect-RingCentral and
    RingCentral's SDKs read them. GET /_emulator/ lists its own endpoints (statistics, clock, faults, reset).
    """;

if (args.Contains("--help") || args.Contains("-h") || args.Contains("-?"))
{
    Console.WriteLine(Usage);
    return 0;
}

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
app.UseWebSockets();

app.Run(async context =>
{
    var http = context.Request;
    if (context.WebSockets.IsWebSocketRequest && http.Path == "/ws")
    {
        await ServeSocketAsync(context, emulator);
        return;
    }
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
    var variables = new[]
    {
        ("RC_SERVER_URL", address), ("RC_APP_CLIENT_ID", DemoAccount.ClientId),
        ("RC_APP_CLIENT_SECRET", DemoAccount.ClientSecret), ("RC_USER_JWT", DemoAccount.UserJwt),
    };
    foreach (var (name, value) in variables) Console.WriteLine($"{name}={value}");
    Console.WriteLine($"# RingCentral emulator listening on {address} ({(virtualClock ? "virtual clock: POST /_emulator/clock?seconds=N moves it" : "real clock")}); Ctrl+C stops it. GET {address.TrimEnd('/')}/_emulator/ lists its own endpoints.");
    Console.WriteLine("# To sign in to it, paste one of these (bash or zsh; pwsh), then run Connect-RingCentral:");
    Console.WriteLine("export " + string.Join(" ", variables.Select(v => $"{v.Item1}='{v.Item2}'")));
    Console.WriteLine(string.Join("; ", variables.Select(v => $"$env:{v.Item1} = '{v.Item2}'")));
    Console.Out.Flush();
});

try
{
    await app.StartAsync();
}
catch (IOException e)
{
    // Most often the port is taken: one line that says so and what to do, not Kestrel's stack trace.
    var urls = builder.Configuration["urls"] ?? Environment.GetEnvironmentVariable("ASPNETCORE_URLS") ?? "http://127.0.0.1:5080";
    Console.Error.WriteLine($"The emulator cannot listen on {urls}: {e.Message.TrimEnd('.')}. Stop what uses it, or give another address: --urls http://127.0.0.1:5081 (port 0 picks a free one).");
    return 1;
}
await app.WaitForShutdownAsync();
return 0;

// The WebSocket gateway: the emulator's socket does the protocol; this loop carries its text both ways, and sends the
// telephony events as they fall due on the emulator's clock (looked at every 50 ms).
static async Task ServeSocketAsync(HttpContext context, RingCentralEmulator emulator)
{
    var socket = emulator.OpenSocket(context.Request.QueryString.HasValue ? context.Request.QueryString.Value.TrimStart('?') : "");
    using var ws = await context.WebSockets.AcceptWebSocketAsync();
    var send = new System.Threading.SemaphoreSlim(1, 1);
    async Task FlushAsync()
    {
        await send.WaitAsync();
        try
        {
            foreach (var text in socket.TakeOutgoing())
                await ws.SendAsync(System.Text.Encoding.UTF8.GetBytes(text), System.Net.WebSockets.WebSocketMessageType.Text, true, context.RequestAborted);
        }
        finally { send.Release(); }
    }
    using var stop = System.Threading.CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
    var pump = Task.Run(async () =>
    {
        while (!stop.IsCancellationRequested && !socket.IsClosed && ws.State == System.Net.WebSockets.WebSocketState.Open)
        {
            await FlushAsync();
            await Task.Delay(50, stop.Token).ContinueWith(_ => { });
        }
    });
    try
    {
        await FlushAsync(); // ConnectionDetails, or the Error that refuses the socket
        var buffer = new byte[64 * 1024];
        while (!socket.IsClosed && ws.State == System.Net.WebSockets.WebSocketState.Open)
        {
            using var message = new MemoryStream();
            System.Net.WebSockets.WebSocketReceiveResult result;
            do
            {
                var receive = ws.ReceiveAsync(buffer, stop.Token);
                // A dropped socket (DropSockets) ends the connection without a close handshake, as a network failure would.
                while (!receive.IsCompleted && !socket.IsClosed) await Task.WhenAny(receive, Task.Delay(50));
                if (socket.IsClosed) { context.Abort(); return; }
                result = await receive;
                if (result.MessageType == System.Net.WebSockets.WebSocketMessageType.Close) { socket.Close(); return; }
                message.Write(buffer, 0, result.Count);
            } while (!result.EndOfMessage && message.Length < 1024 * 1024);
            socket.Receive(System.Text.Encoding.UTF8.GetString(message.ToArray()));
            await FlushAsync();
        }
        if (socket.IsClosed && ws.State == System.Net.WebSockets.WebSocketState.Open)
            await ws.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.PolicyViolation, "refused", context.RequestAborted);
    }
    catch (Exception e) when (e is System.Net.WebSockets.WebSocketException || e is OperationCanceledException || e is IOException) { }
    finally
    {
        socket.Close();
        stop.Cancel();
        await pump;
    }
}
