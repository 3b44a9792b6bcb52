using System.Net.Http;
using System.Threading;

namespace RingOut.Client.Http
{
    /// <summary>What the pipeline needs to know of a request: whether repeating it is safe, and its auth (its rate group is the table's: <see cref="RateGroups"/>).</summary>
    internal sealed class RequestKind
    {
        private const string Key = "RingOut.RequestKind";
        private int _sent;

        /// <summary>Repeating it cannot do anything twice (GET, DELETE, a JWT login, a refresh within RingCentral's grace).</summary>
        public bool Idempotent { get; set; } = true;
        /// <summary>OAuth endpoint: Basic client authentication instead of the bearer token.</summary>
        public bool UsesClientCredentials { get; set; }
        /// <summary>A connection that cannot be made fails at once instead of being retried (signing in: nothing is under way yet).</summary>
        public bool FailFast { get; set; }
        /// <summary>Sent once whatever happens (a revoke: RingCentral advises ignoring its failure and not retrying).</summary>
        public bool Once { get; set; }
        /// <summary>
        /// When the caller stops waiting (a wait's -Timeout): no attempt is begun, waited for or backed off for past
        /// it. The pipeline delivers the last answer at once instead (a 429 or 503 naming its Retry-After), or throws
        /// (<see cref="System.TimeoutException"/> when the rate budget has no slot before it). Null: the pipeline's own bounds.
        /// </summary>
        public System.DateTimeOffset? Deadline { get; set; }
        /// <summary>Words for messages: "placing a RingOut call to +1…".</summary>
        public string Description { get; set; } = "the request";

        /// <summary>Whether an attempt was handed to the transport: from then on the server may have acted on it.</summary>
        public bool MayHaveBeenSent => Volatile.Read(ref _sent) != 0;
        internal void MarkSent() => Volatile.Write(ref _sent, 1);

        public void AttachTo(HttpRequestMessage request) => request.Properties[Key] = this;

        public static RequestKind Of(HttpRequestMessage request) =>
            request.Properties.TryGetValue(Key, out var k) && k is RequestKind kind ? kind : new RequestKind();
    }
}
