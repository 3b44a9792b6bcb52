using System.Net.Http;

namespace RingOut.Client.Http
{
    /// <summary>What the pipeline needs to know of a request: its group, whether repeating it is safe, and its auth.</summary>
    internal sealed class RequestKind
    {
        private const string Key = "RingOut.RequestKind";

        public RateGroup Group { get; set; } = RateGroup.Light;
        /// <summary>Repeating it cannot do anything twice (GET, DELETE, a JWT login).</summary>
        public bool Idempotent { get; set; } = true;
        /// <summary>OAuth endpoint: Basic client authentication instead of the bearer token.</summary>
        public bool UsesClientCredentials { get; set; }
        /// <summary>Words for messages: "placing a RingOut call to +1…".</summary>
        public string Description { get; set; }

        public void AttachTo(HttpRequestMessage request) => request.Properties[Key] = this;

        public static RequestKind Of(HttpRequestMessage request) =>
            request.Properties.TryGetValue(Key, out var k) && k is RequestKind kind ? kind : new RequestKind();
    }
}
