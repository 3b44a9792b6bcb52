using System.Net.Http;
using System.Threading;
using Microsoft.Extensions.DependencyInjection;
using RingOut.Client.Http;

namespace RingOut.Client.Pipeline
{
    /// <summary>One session's HttpClient pipeline, from IHttpClientFactory: handlers are pooled and rotated, connections reused.</summary>
    internal sealed class HttpClientFactorySource : IHttpClientSource
    {
        private const string Name = "RingCentral";
        private readonly ServiceProvider _services;
        private readonly IHttpClientFactory _factory;

        public HttpClientFactorySource(PipelineSpec spec)
        {
            var services = new ServiceCollection();
            var builder = services.AddHttpClient(Name, c =>
            {
                c.BaseAddress = spec.BaseAddress;
                c.Timeout = Timeout.InfiniteTimeSpan; // each attempt has its own timeout; pacing waits may be long
                c.MaxResponseContentBufferSize = spec.MaxResponseBytes;
                c.DefaultRequestHeaders.UserAgent.ParseAdd(spec.UserAgent);
            });
            // RingCentral's API never redirects: none is followed, so no credential or body can be carried to another
            // host (the pipeline turns a 3xx into an error naming it).
            builder.ConfigurePrimaryHttpMessageHandler(spec.Primary ?? (() =>
            {
                FrameworkTls.AllowTls12();
                return new HttpClientHandler { AllowAutoRedirect = false };
            }));
            foreach (var handler in spec.Handlers) builder.AddHttpMessageHandler(handler);
            // Microsoft.Extensions.Http puts two logging handlers around every request; nothing here logs through
            // Microsoft.Extensions.Logging (-Verbose and -Debug come from RingCentralSession.ObserveExchanges), so they
            // would cost two more async steps per request for nothing.
            builder.RemoveAllLoggers();
            _services = services.BuildServiceProvider();
            _factory = _services.GetRequiredService<IHttpClientFactory>();
        }

        public HttpClient CreateClient() => _factory.CreateClient(Name);

        public void Dispose() => _services.Dispose();
    }
}
