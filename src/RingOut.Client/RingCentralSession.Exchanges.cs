using System;
using System.Net.Http;
using System.Threading;
using RingOut.Client.Http;

namespace RingOut.Client
{
    /// <summary>Who is told of an HTTP exchange (-Verbose, -Debug) and of a warning: the calling flow, never another.</summary>
    public sealed partial class RingCentralSession
    {
        private sealed class Observer
        {
            public Action<HttpExchange>? Log;
            public bool Bodies;
            public Action<string>? Warn;
        }

        /// <summary>The observer of the current async flow: each request is told to the caller that made it, whatever its session.</summary>
        private static readonly AsyncLocal<Observer?> CurrentObserver = new AsyncLocal<Observer?>();

        /// <summary>
        /// Tells <paramref name="log"/> of every HTTP exchange that the calling flow makes from now on, through any
        /// session, until the returned object is disposed: never of another caller's. With
        /// <paramref name="captureBodies"/>, the exchanges carry their bodies, redacted. An exchange carries no header value.
        /// </summary>
        public static IDisposable ObserveExchanges(Action<HttpExchange>? log, bool captureBodies, Action<string>? warn = null)
        {
            var previous = CurrentObserver.Value;
            CurrentObserver.Value = log == null && warn == null ? null : new Observer { Log = log, Bodies = captureBodies, Warn = warn };
            return new Release(() => CurrentObserver.Value = previous);
        }

        private sealed class Release : IDisposable
        {
            private Action? _action;
            public Release(Action action) { _action = action; }
            public void Dispose() => Interlocked.Exchange(ref _action, null)?.Invoke();
        }

        private void OnExchanged(HttpRequestMessage request, HttpResponseMessage? response, TimeSpan elapsed, Exception? failure)
        {
            var observer = CurrentObserver.Value;
            if (observer?.Log == null) return;
            var remaining = response != null ? ServerValues.RemainingShown(response) : null;
            string? requestBody = null, responseBody = null;
            if (observer.Bodies)
            {
                requestBody = Redaction.Body(request.Content, Secrets);
                responseBody = Redaction.Body(response?.Content, Secrets);
            }
            observer.Log(new HttpExchange
            {
                Method = request.Method.Method,
                Path = request.RequestUri == null ? "" : request.RequestUri.IsAbsoluteUri ? request.RequestUri.AbsolutePath : request.RequestUri.OriginalString,
                StatusCode = response != null ? (int)response.StatusCode : (int?)null,
                RateLimitGroup = response != null ? Secrets.Redact(RingCentralApiException.Header(response, "X-Rate-Limit-Group")) : null,
                RateLimitRemaining = remaining,
                Elapsed = elapsed,
                Failure = failure?.GetType().Name,
                RequestBody = requestBody,
                ResponseBody = responseBody,
            });
        }
    }
}
