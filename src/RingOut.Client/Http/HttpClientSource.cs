using System;
using System.Collections.Generic;
using System.Net.Http;

namespace RingOut.Client.Http
{
    /// <summary>Makes the HttpClients of one session's pipeline (RingOut.Client.Pipeline implements it over Microsoft.Extensions.Http).</summary>
    internal interface IHttpClientSource : IDisposable
    {
        HttpClient CreateClient();
    }

    /// <summary>What the pipeline is made of: base address, transport, and the delegating handlers from the outside in.</summary>
    internal sealed class PipelineSpec
    {
        public PipelineSpec(Uri baseAddress, string userAgent)
        {
            BaseAddress = baseAddress;
            UserAgent = userAgent;
        }

        public readonly Uri BaseAddress;
        public readonly string UserAgent;
        /// <summary>The largest response body read into memory; a larger one fails the request (<see cref="BoundedContent.MaxBytes"/>).</summary>
        public long MaxResponseBytes = BoundedContent.MaxBytes;
        /// <summary>The innermost handler; null for the network.</summary>
        public Func<HttpMessageHandler>? Primary;
        public List<Func<DelegatingHandler>> Handlers = new List<Func<DelegatingHandler>>();
    }

    /// <summary>
    /// Finds the pipeline assembly. It is the only one that touches Microsoft.Extensions.*, so that the module can
    /// load it and its dependencies in a load context of their own (see RingOut.PowerShell.Loader) while every type
    /// PowerShell sees stays in the default one.
    /// </summary>
    internal static class HttpClientSource
    {
        private const string PipelineType = "RingOut.Client.Pipeline.HttpClientFactorySource, RingOut.Client.Pipeline";

        public static IHttpClientSource Create(PipelineSpec spec)
        {
            var type = Type.GetType(PipelineType, throwOnError: false)
                       ?? throw new InvalidOperationException("RingOut.Client.Pipeline.dll, which builds the HTTP pipeline, could not be loaded; reinstall the module.");
            return (IHttpClientSource)Activator.CreateInstance(type, spec);
        }
    }
}
