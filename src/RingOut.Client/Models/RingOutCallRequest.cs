namespace RingOut.Client
{
    /// <summary>What to place: the numbers and options of POST ring-out.</summary>
    public sealed class RingOutCallRequest
    {
        /// <summary>The called party: E.164, or as people write it. Required.</summary>
        public string? To { get; set; }
        /// <summary>The region (ISO 3166, such as GB) that numbers written without a country code belong to; the extension's home country when null.</summary>
        public string? DefaultRegion { get; set; }
        /// <summary>The number rung first, E.164; null with no <see cref="ForwardingNumberId"/> uses the default forwarding number.</summary>
        public string? From { get; set; }
        /// <summary>Id of one of the user's forwarding numbers to ring first, instead of <see cref="From"/>.</summary>
        public string? ForwardingNumberId { get; set; }
        /// <summary>The caller ID shown to the called party, E.164; one of the user's numbers with the CallerId feature.</summary>
        public string? CallerId { get; set; }
        /// <summary>Ask the caller to press 1 before the called party is dialled.</summary>
        public bool PlayPrompt { get; set; }
        /// <summary>Dialling-plan country id; the extension's home country when null.</summary>
        public string? CountryId { get; set; }
        public string AccountId { get; set; } = ApiPaths.Me;
        public string ExtensionId { get; set; } = ApiPaths.Me;
    }
}
