using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace RingOut.Emulator
{
    /// <summary>Serves the emulator to an HttpClient in-process: the request never leaves the process.</summary>
    public sealed class EmulatorMessageHandler : HttpMessageHandler
    {
        private readonly RingCentralEmulator _emulator;

        public EmulatorMessageHandler(RingCentralEmulator emulator) { _emulator = emulator ?? throw new ArgumentNullException(nameof(emulator)); }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri;
            var req = new EmulatorRequest
            {
                Method = request.Method.Method,
                Path = uri.AbsolutePath,
                Query = uri.Query.TrimStart('?'),
                BaseUri = uri.GetLeftPart(UriPartial.Authority),
            };
            foreach (var h in request.Headers) req.Headers[h.Key] = string.Join(", ", h.Value);
            if (request.Content != null)
            {
                foreach (var h in request.Content.Headers) req.Headers[h.Key] = string.Join(", ", h.Value);
                var body = await request.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                req.Body = body;
            }

            var resp = await _emulator.HandleAsync(req, cancellationToken).ConfigureAwait(false);
            switch (resp.Connection)
            {
                case ConnectionOutcome.DropBeforeActing:
                    throw new HttpRequestException("No connection could be made: the emulator refused it (fault injection).",
                        new SocketException((int)SocketError.ConnectionRefused));
                case ConnectionOutcome.DropAfterActing:
                    throw new HttpRequestException("The connection was closed before a response was received (fault injection).",
                        new IOException("Connection reset by peer"));
            }

            var message = new HttpResponseMessage((HttpStatusCode)resp.StatusCode) { RequestMessage = request };
            message.Content = new ByteArrayContent(resp.Body ?? Array.Empty<byte>());
            if (resp.ContentType != null) message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(resp.ContentType);
            foreach (var h in resp.Headers)
                if (!message.Headers.TryAddWithoutValidation(h.Key, h.Value))
                    message.Content.Headers.TryAddWithoutValidation(h.Key, h.Value);
            return message;
        }
    }
}
