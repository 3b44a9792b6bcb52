using System;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Reflection;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace RingOut.Emulator.Tests
{
    /// <summary>One way of serving the emulator: the same tests run against each.</summary>
    public interface IHosting
    {
        HttpClient Http { get; }
        Task AdvanceAsync(TimeSpan by);
        Task<long> CountAsync(string method, string route);
        Task<long> CallsCreatedAsync();
        Task<long> TooManyRequestsAsync();
        Task InjectAsync(FaultKind kind, string method, string route, int times = 1, int? status = null, int? retryAfter = 5);
        Task ResetAsync(bool rateLimits);
    }

    /// <summary>The emulator in-process, behind its HttpMessageHandler, on a virtual clock moved by hand.</summary>
    public sealed class InProcessHosting : IHosting
    {
        public InProcessHosting()
        {
            Clock = new VirtualClock();
            Emulator = new RingCentralEmulator(new EmulatorOptions(), Clock);
            Http = new HttpClient(Emulator.CreateHandler()) { BaseAddress = RingCentralEmulator.InProcessBaseUri };
        }

        public VirtualClock Clock { get; }
        public RingCentralEmulator Emulator { get; }
        public HttpClient Http { get; }
        public Task AdvanceAsync(TimeSpan by) { Clock.Advance(by); return Task.CompletedTask; }
        public Task<long> CountAsync(string method, string route) => Task.FromResult(Emulator.Statistics.Count(method, route));
        public Task<long> CallsCreatedAsync() => Task.FromResult(Emulator.Statistics.CallsCreated);
        public Task<long> TooManyRequestsAsync() => Task.FromResult(Emulator.Statistics.TooManyRequestsSent);

        public Task InjectAsync(FaultKind kind, string method, string route, int times = 1, int? status = null, int? retryAfter = 5)
        {
            var rule = Emulator.Faults.Add(kind, method, route, times);
            if (status != null) rule.StatusCode = status.Value;
            rule.RetryAfterSeconds = retryAfter;
            return Task.CompletedTask;
        }

        public Task ResetAsync(bool rateLimits)
        {
            Emulator.Reset();
            Emulator.Options.RateLimits.Enabled = rateLimits;
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// The standalone server (RingOut.Emulator.Server), started once for the test class on a free loopback port
    /// with a virtual clock, driven over real sockets; its diagnostics paths move the clock and read the counts.
    /// </summary>
    public sealed class LoopbackHosting : IHosting, IDisposable
    {
        private readonly RingOut.Testing.EmulatorProcess _server;

        public LoopbackHosting()
        {
            var dll = typeof(LoopbackHosting).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ServerAssembly").Value;
            _server = new RingOut.Testing.EmulatorProcess(dll, "--virtual-clock");
            Printed = _server.Variables;
            Http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _server.Url };
        }

        /// <summary>The RC_* lines the server printed.</summary>
        public System.Collections.Generic.IReadOnlyDictionary<string, string> Printed { get; }
        public HttpClient Http { get; }

        public async Task AdvanceAsync(TimeSpan by) =>
            (await Http.PostAsync($"/_emulator/clock?seconds={by.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}", null)).EnsureSuccessStatusCode();

        private async Task<JsonElement> StatsAsync() => JsonDocument.Parse(await Http.GetStringAsync("/_emulator/stats")).RootElement;

        public async Task<long> CountAsync(string method, string route) =>
            (await StatsAsync()).GetProperty("byRoute").TryGetProperty(method + " " + route, out var n) ? n.GetInt64() : 0;

        public async Task<long> CallsCreatedAsync() => (await StatsAsync()).GetProperty("callsCreated").GetInt64();
        public async Task<long> TooManyRequestsAsync() => (await StatsAsync()).GetProperty("tooManyRequests").GetInt64();

        public async Task InjectAsync(FaultKind kind, string method, string route, int times = 1, int? status = null, int? retryAfter = 5)
        {
            var q = $"/_emulator/faults?kind={kind}&method={method}&route={route}&times={times}&retryAfter={retryAfter?.ToString() ?? "none"}" + (status != null ? $"&status={status}" : "");
            (await Http.PostAsync(q, null)).EnsureSuccessStatusCode();
        }

        public async Task ResetAsync(bool rateLimits) =>
            (await Http.PostAsync("/_emulator/reset?rateLimits=" + (rateLimits ? "on" : "off"), null)).EnsureSuccessStatusCode();

        public void Dispose()
        {
            Http.Dispose();
            _server.Dispose();
        }
    }
}
