using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace RingOut.Emulator
{
    /// <summary>
    /// The faults one request meets (<see cref="FaultInjector.Match"/>), and what they do to it: on arrival (latency,
    /// a dropped connection, a hold), instead of acting (a 5xx or a 429), and to the answer after acting (late, held,
    /// a gateway's error page, dropped, cut short, not JSON, rewritten). The one place a <see cref="FaultKind"/> takes effect.
    /// </summary>
    internal sealed class RequestFaults
    {
        private readonly List<FaultRule> _rules;
        private readonly FaultInjector _injector;
        private readonly TimeProvider _clock;

        public RequestFaults(FaultInjector injector, string method, string route, TimeProvider clock)
        {
            _injector = injector;
            _clock = clock;
            _rules = injector.Match(method, route);
        }

        public bool Has(FaultKind kind) => _rules.Any(f => f.Kind == kind);

        /// <summary>Latency, then a connection dropped before acting (its response) or a hold; null: go on.</summary>
        public async Task<EmulatorResponse?> ArriveAsync(CancellationToken ct)
        {
            foreach (var f in _rules.Where(f => f.Kind == FaultKind.Latency))
                await _clock.Delay(f.Latency, ct).ConfigureAwait(false);
            if (Has(FaultKind.DropBeforeActing))
                return new EmulatorResponse { StatusCode = 0, Connection = ConnectionOutcome.DropBeforeActing };
            if (Has(FaultKind.HoldBeforeActing)) await _injector.HoldAsync(ct).ConfigureAwait(false);
            return null;
        }

        /// <summary>A 5xx or 429 answered instead of acting; null: act.</summary>
        public EmulatorResponse? Refusal(EmulatorStatistics statistics)
        {
            var status = _rules.FirstOrDefault(f => f.Kind == FaultKind.ServerError || f.Kind == FaultKind.TooManyRequests);
            if (status == null) return null;
            var tooMany = status.Kind == FaultKind.TooManyRequests;
            if (tooMany) statistics.TooManyRequests();
            var resp = tooMany
                ? EmulatorResponse.Error(429, "CMN-301", "Request rate exceeded")
                : EmulatorResponse.Error(status.StatusCode, status.StatusCode == 503 ? "CMN-201" : "CMN-203",
                    status.StatusCode == 503 ? "Service Temporarily Unavailable" : "Internal Server Error");
            if (status.RetryAfterSeconds is int ra) resp.Headers["Retry-After"] = ra.ToString(CultureInfo.InvariantCulture);
            return resp;
        }

        /// <summary>What the client gets of the answer after the emulator acted.</summary>
        public async Task<EmulatorResponse> AfterActingAsync(EmulatorResponse response, CancellationToken ct)
        {
            foreach (var f in _rules.Where(f => f.Kind == FaultKind.ActThenLatency))
                await _clock.Delay(f.Latency, ct).ConfigureAwait(false);
            if (Has(FaultKind.ActThenHold)) await _injector.HoldAsync(ct).ConfigureAwait(false);
            var gateway = _rules.FirstOrDefault(f => f.Kind == FaultKind.ActThenError);
            if (gateway != null)
                return new EmulatorResponse
                {
                    StatusCode = gateway.StatusCode == 503 ? 504 : gateway.StatusCode, // a gateway's timeout unless told otherwise
                    ContentType = "text/html",
                    Body = Encoding.UTF8.GetBytes($"<html><body><h1>{(gateway.StatusCode == 503 ? 504 : gateway.StatusCode)} Gateway Error</h1></body></html>"),
                };
            if (Has(FaultKind.DropAfterActing))
                return new EmulatorResponse { StatusCode = 0, Connection = ConnectionOutcome.DropAfterActing };
            if (Has(FaultKind.TruncatedBody))
                response.Body = response.Body.Take(response.Body.Length / 2).ToArray();
            if (Has(FaultKind.MalformedBody))
                response.Body = Encoding.UTF8.GetBytes("<html><body>502 Bad Gateway</body></html>");
            foreach (var f in _rules.Where(f => f.Kind == FaultKind.RewriteBody))
                response.Body = Encoding.UTF8.GetBytes(f.Rewrite(Encoding.UTF8.GetString(response.Body)));
            return response;
        }
    }
}
