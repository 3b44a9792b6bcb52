using System;
using System.Buffers;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace RingOut.Client.Http
{
    /// <summary>
    /// Reads an answer's body into memory, never more than a bound: the one read of every body in the pipeline.
    /// Everything after it (the bearer handler, -Debug capture, the client) reads the buffered copy.
    /// </summary>
    internal static class BoundedContent
    {
        /// <summary>The most of one answer (or one WebSocket message) read into memory: a broken or hostile server cannot exhaust memory.</summary>
        public const int MaxBytes = 4 * 1024 * 1024;

        /// <summary>The answer was larger than the bound; it was not read whole.</summary>
        internal sealed class TooLargeException : HttpRequestException
        {
            public TooLargeException(long max) : base($"RingCentral's answer is larger than {max / (1024 * 1024)} MB; it was not read.") { }
        }

        public static async Task BufferAsync(HttpResponseMessage response, long max, CancellationToken ct)
        {
            var content = response.Content;
            if (content == null) { response.Content = new ByteArrayContent(Array.Empty<byte>()); return; }
            if (content.Headers.ContentLength > max) throw new TooLargeException(max);
            byte[] bytes;
            // A pooled chunk: every answer passes through here, and a fresh 16 KB buffer each would double a wait's allocation.
            var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                using (var stream = await content.ReadAsStreamAsync().ConfigureAwait(false))
                using (var buffer = new MemoryStream((int)Math.Min(content.Headers.ContentLength ?? 0, max)))
                {
                    int read;
                    while ((read = await stream.ReadAsync(chunk, 0, chunk.Length, ct).ConfigureAwait(false)) > 0)
                    {
                        if (buffer.Length + read > max) throw new TooLargeException(max);
                        buffer.Write(chunk, 0, read);
                    }
                    bytes = buffer.ToArray();
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
            var copy = new ByteArrayContent(bytes);
            foreach (var h in content.Headers)
                if (!string.Equals(h.Key, "Content-Length", StringComparison.OrdinalIgnoreCase)) copy.Headers.TryAddWithoutValidation(h.Key, h.Value);
            content.Dispose();
            response.Content = copy;
        }
    }
}
