using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace RingOut.Emulator
{
    /// <summary>Counts of what the emulator served: tests use them to prove, for example, that no POST was sent twice.</summary>
    public sealed class EmulatorStatistics
    {
        private readonly ConcurrentDictionary<string, long> _byRoute = new ConcurrentDictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        private long _callsCreated, _hungUp, _tooManyRequests, _total, _sessionsOpened, _sessionsRevoked;
        private readonly Queue<string> _requests = new Queue<string>();
        private const int MaxLogged = 10_000;

        /// <summary>The latest requests (up to 10,000), as "METHOD /path", whatever their path: what reached the server.</summary>
        public IReadOnlyList<string> Requests { get { lock (_requests) return _requests.ToArray(); } }

        internal void Seen(string method, string path)
        {
            lock (_requests)
            {
                _requests.Enqueue((method ?? "").ToUpperInvariant() + " " + path);
                if (_requests.Count > MaxLogged) _requests.Dequeue();
            }
        }

        /// <summary>Requests served for a method and route name (<c>ring-out</c>, <c>token</c>, <c>revoke</c>,
        /// <c>forwarding-number</c>, <c>phone-number</c>, <c>extension</c>, <c>authorize</c>).</summary>
        public long Count(string method, string route) => _byRoute.TryGetValue(method.ToUpperInvariant() + " " + route, out var n) ? n : 0;

        public long CallsCreated => Interlocked.Read(ref _callsCreated);
        /// <summary>Calls ended through Call Control (DELETE telephony/sessions/{id}).</summary>
        public long CallsHungUp => Interlocked.Read(ref _hungUp);
        public long TooManyRequestsSent => Interlocked.Read(ref _tooManyRequests);
        /// <summary>OAuth sessions opened (sign-ins), and revoked (by revoke, a fault, or the parallel-session limit).</summary>
        public long SessionsOpened => Interlocked.Read(ref _sessionsOpened);
        public long SessionsRevoked => Interlocked.Read(ref _sessionsRevoked);
        public long TotalRequests => Interlocked.Read(ref _total);

        /// <summary>Every method-and-route count, e.g. <c>POST ring-out = 3</c>.</summary>
        public IReadOnlyDictionary<string, long> ByRoute => _byRoute.OrderBy(p => p.Key).ToDictionary(p => p.Key, p => p.Value);

        internal void Served(string method, string route)
        {
            Interlocked.Increment(ref _total);
            _byRoute.AddOrUpdate(method.ToUpperInvariant() + " " + route, 1, (_, n) => n + 1);
        }

        internal void CallCreated() => Interlocked.Increment(ref _callsCreated);
        internal void HungUp() => Interlocked.Increment(ref _hungUp);
        internal void TooManyRequests() => Interlocked.Increment(ref _tooManyRequests);
        internal void SessionOpened() => Interlocked.Increment(ref _sessionsOpened);
        internal void SessionRevoked() => Interlocked.Increment(ref _sessionsRevoked);

        public void Reset()
        {
            lock (_requests) _requests.Clear();
            _byRoute.Clear();
            Interlocked.Exchange(ref _callsCreated, 0);
            Interlocked.Exchange(ref _hungUp, 0);
            Interlocked.Exchange(ref _tooManyRequests, 0);
            Interlocked.Exchange(ref _sessionsOpened, 0);
            Interlocked.Exchange(ref _sessionsRevoked, 0);
            Interlocked.Exchange(ref _total, 0);
        }

        public override string ToString() =>
            $"{TotalRequests} requests, {CallsCreated} calls created, {TooManyRequestsSent} 429s; " +
            string.Join(", ", ByRoute.Select(p => p.Key + "=" + p.Value));
    }

    /// <summary>The faults the emulator can inject.</summary>
    public enum FaultKind
    {
        /// <summary>Answer with <see cref="FaultRule.StatusCode"/> (503 by default) without acting.</summary>
        ServerError,
        /// <summary>Answer 429 CMN-301 with Retry-After without acting.</summary>
        TooManyRequests,
        /// <summary>Wait <see cref="FaultRule.Latency"/> on the emulator's clock, then serve normally.</summary>
        Latency,
        /// <summary>Act, then wait <see cref="FaultRule.Latency"/> on the emulator's clock before answering (an answer that comes late).</summary>
        ActThenLatency,
        /// <summary>Act, then answer <see cref="FaultRule.StatusCode"/> (504 by default here) with a gateway's HTML page instead of the answer.</summary>
        ActThenError,
        /// <summary>Drop the connection before the server acts (the request provably had no effect).</summary>
        DropBeforeActing,
        /// <summary>Act, then drop the connection before the answer (the client cannot know the outcome).</summary>
        DropAfterActing,
        /// <summary>Act, then send only the first half of the body.</summary>
        TruncatedBody,
        /// <summary>Act, then send a body that is not JSON.</summary>
        MalformedBody,
        /// <summary>Treat the presented access token as expired (401 OAU-128), as if it had expired early.</summary>
        ExpireAccessToken,
        /// <summary>End the OAuth session of the presented token (as an admin or a password change would): 401, and its refresh token is dead.</summary>
        RevokeSession,
        /// <summary>Hold the request before acting until the holds are released (or the client goes away, and nothing is done):
        /// a deterministic moment to kill a client at, for tests.</summary>
        HoldBeforeActing,
        /// <summary>Act, then hold the answer until the holds are released (or the client goes away, and the answer is lost).</summary>
        ActThenHold,
        /// <summary>
        /// Act, then answer with the body rewritten: <see cref="FaultRule.Pattern"/> (a regular expression) replaced by
        /// <see cref="FaultRule.Replacement"/> (a hostile server's wrong JSON types, endless paging). With the method
        /// "WS" and a message type as the route (ServerNotification, ClientRequest, ConnectionDetails, …) it rewrites the
        /// gateway's messages instead; one rewritten to nothing is not sent (a silent gateway).
        /// </summary>
        RewriteBody,
    }

    /// <summary>One injected fault: which requests it hits and how many times.</summary>
    public sealed class FaultRule
    {
        private int _remaining, _skip;

        public FaultRule(FaultKind kind, string? method = null, string? route = null, int times = 1, int skip = 0)
        {
            _skip = skip;
            // PowerShell passes $null to a string parameter as "": both mean any.
            Kind = kind; Method = method is null || method.Length == 0 ? null : method; Route = route is null || route.Length == 0 ? null : route; _remaining = times;
        }

        public FaultKind Kind { get; }
        /// <summary>HTTP method it hits, or null for any.</summary>
        public string? Method { get; }
        /// <summary>Route name it hits (see <see cref="EmulatorStatistics.Count"/>), or null for any.</summary>
        public string? Route { get; }
        /// <summary>How many more requests it hits; negative for every request.</summary>
        public int Remaining => Volatile.Read(ref _remaining);
        public int StatusCode { get; set; } = 503;
        /// <summary>Retry-After seconds sent with ServerError and TooManyRequests; null sends none (ServerError only).</summary>
        public int? RetryAfterSeconds { get; set; } = 5;
        public TimeSpan Latency { get; set; } = TimeSpan.FromSeconds(2);
        /// <summary>What <see cref="FaultKind.RewriteBody"/> replaces (a regular expression), and with what.</summary>
        public string? Pattern { get; set; }
        public string Replacement { get; set; } = "";

        internal string Rewrite(string text) => Pattern == null ? text : System.Text.RegularExpressions.Regex.Replace(text, Pattern, Replacement, System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));

        internal bool TryHit(string method, string route)
        {
            if (Method != null && !string.Equals(Method, method, StringComparison.OrdinalIgnoreCase)) return false;
            if (Route != null && !string.Equals(Route, route, StringComparison.OrdinalIgnoreCase)) return false;
            // The first matching requests it lets pass, when told to (skip=N: it hits the (N+1)th).
            while (true)
            {
                var s = Volatile.Read(ref _skip);
                if (s <= 0) break;
                if (Interlocked.CompareExchange(ref _skip, s - 1, s) == s) return false;
            }
            while (true)
            {
                var n = Volatile.Read(ref _remaining);
                if (n == 0) return false;
                if (n < 0 || Interlocked.CompareExchange(ref _remaining, n - 1, n) == n) return true;
            }
        }

        public override string ToString() => $"{Kind} on {Method ?? "*"} {Route ?? "*"} ({(Remaining < 0 ? "always" : Remaining + " left")})";
    }

    /// <summary>The faults switched on, checked in the order they were added.</summary>
    public sealed class FaultInjector
    {
        private readonly List<FaultRule> _rules = new List<FaultRule>();

        public FaultRule Add(FaultRule rule) { lock (_rules) _rules.Add(rule); return rule; }

        public FaultRule Add(FaultKind kind, string? method, string? route, int times, int skip = 0) => Add(new FaultRule(kind, method, route, times, skip));

        public FaultRule Add(FaultKind kind, string? method, string? route) => Add(new FaultRule(kind, method, route, 1));

        /// <summary>Clears the rules and releases every held request.</summary>
        public void Clear() { lock (_rules) _rules.Clear(); ReleaseHolds(); }

        private TaskCompletionSource<bool> _release = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _held;
        private readonly object _heldGate = new object();

        /// <summary>Requests held now (by HoldBeforeActing or ActThenHold).</summary>
        public int Held => Volatile.Read(ref _held);

        /// <summary>Lets every held request go on.</summary>
        public void ReleaseHolds()
        {
            lock (_heldGate)
            {
                _release.TrySetResult(true);
                _release = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                Monitor.PulseAll(_heldGate);
            }
        }

        /// <summary>Holds a request until the holds are released; throws when the client goes away first.</summary>
        internal async Task HoldAsync(CancellationToken ct)
        {
            Task released;
            lock (_heldGate) { released = _release.Task; _held++; Monitor.PulseAll(_heldGate); }
            try
            {
                var gone = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                using (ct.Register(() => gone.TrySetResult(true)))
                    await Task.WhenAny(released, gone.Task).ConfigureAwait(false);
                ct.ThrowIfCancellationRequested();
            }
            finally
            {
                lock (_heldGate) { _held--; Monitor.PulseAll(_heldGate); }
            }
        }

        /// <summary>Waits (up to <paramref name="limit"/>) until at least <paramref name="count"/> requests are held; returns how many are.</summary>
        public int WaitForHeld(int count, TimeSpan limit)
        {
            var until = DateTime.UtcNow + limit;
            lock (_heldGate)
            {
                while (_held < count)
                {
                    var left = until - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero || !Monitor.Wait(_heldGate, left)) break;
                }
                return _held;
            }
        }

        public IReadOnlyList<FaultRule> Rules { get { lock (_rules) return _rules.ToArray(); } }

        /// <summary>A gateway message of <paramref name="type"/> as the RewriteBody rules on "WS" leave it; null when rewritten to nothing.</summary>
        internal string? RewriteMessage(string type, string text)
        {
            lock (_rules)
                foreach (var r in _rules)
                    if (r.Kind == FaultKind.RewriteBody && r.TryHit("WS", type)) text = r.Rewrite(text);
            return text.Length == 0 ? null : text;
        }

        /// <summary>The rules one request meets: every latency rule, and the first other rule that matches (only it is used up).</summary>
        internal List<FaultRule> Match(string method, string route)
        {
            var hits = new List<FaultRule>();
            var acted = false;
            lock (_rules)
                foreach (var r in _rules)
                {
                    if (r.Kind != FaultKind.Latency && acted) continue;
                    if (!r.TryHit(method, route)) continue;
                    hits.Add(r);
                    if (r.Kind != FaultKind.Latency) acted = true;
                }
            return hits;
        }
    }
}
