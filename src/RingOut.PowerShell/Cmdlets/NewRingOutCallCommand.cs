using System;
using System.Management.Automation;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>Places a RingOut call: RingCentral rings -From (your phone) first, then connects it to -To.</summary>
    [Cmdlet(VerbsCommon.New, "RingOutCall", HelpUri = "https://github.com/ringout/RingOut.PowerShell/blob/main/docs/RingOut/New-RingOutCall.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(RingOutCall))]
    public sealed class NewRingOutCallCommand : RingOutCmdlet
    {
        /// <summary>The number to call: E.164, or as people write it (+1 650-555-0123, (650) 555-0123, 0044 20 …).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias(NumberPropertyAttribute.PhoneNumber, NumberPropertyAttribute.Phone, NumberPropertyAttribute.Number, NumberPropertyAttribute.Destination)]
        [NumberProperty]
        [AllowEmptyString]
        [AllowEmptyCollection]
        public string[] To { get; set; } = Array.Empty<string>(); // mandatory: always bound

        /// <summary>The phone rung first (yours). Absent: your default forwarding number.</summary>
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
        [Alias("Caller")]
        [ArgumentCompleter(typeof(ForwardingNumberCompleter))]
        public string? From { get; set; }

        /// <summary>The id of one of your forwarding numbers to ring first, instead of -From.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(ForwardingNumberIdCompleter))]
        public string? ForwardingNumberId { get; set; }

        /// <summary>The number shown to the called party: one of your numbers with the CallerId feature.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? CallerId { get; set; }

        /// <summary>Ask you to press 1 before the called party is dialled.</summary>
        [Parameter]
        public SwitchParameter PlayPrompt { get; set; }

        /// <summary>The region (ISO 3166, such as GB) that numbers written without a country code belong to. Absent: your extension's home country.</summary>
        [Parameter]
        [ValidatePattern("^[A-Za-z]{2}$")]
        public string? DefaultRegion { get; set; }

        /// <summary>The dialling-plan country id; your extension's home country when absent.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? CountryId { get; set; }

        /// <summary>The account: ~ (yours, the default) or its id. Another's needs the admin role.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string AccountId { get; set; } = ApiPaths.Me;

        /// <summary>The extension that places the call: ~ (yours, the default) or its id. Another's needs the admin role.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string ExtensionId { get; set; } = ApiPaths.Me;

        [Parameter]
        public RingCentralSession? Session { get; set; }

        private RingCentralSession _session = null!; // set in BeginProcessing

        protected override void BeginProcessing() => _session = RequireSession(Session);

        private int _placed;

        protected override void ProcessRecord()
        {
            for (var i = 0; i < To.Length; i++) Place(To[i], To.Length - i - 1);
        }

        private void Place(string toInput, int remainingAfter)
        {
            // Validate every id and number before anything is sent.
            if (!CheckOwner(RingCentralIdKind.AccountId, AccountId, out var account) || !CheckOwner(RingCentralIdKind.ExtensionId, ExtensionId, out var extension)) return;
            if (RowMarkerAttribute.TryGetRow(toInput, out var row)) { WriteError(ErrorMapping.NoNumberProperty(row)); return; }
            var region = _session.RegionFor(DefaultRegion);
            if (!PhoneNumber.TryNormalize(toInput, region, out var to, out var why)) { WriteError(ErrorMapping.InvalidNumber(nameof(To), toInput, why)); return; }
            string? from = null, callerId = null;
            if (From != null && From.Trim().Length > 0 && !PhoneNumber.TryNormalize(From, region, out from, out why)) { WriteError(ErrorMapping.InvalidNumber(nameof(From), From, why)); return; }
            if (CallerId != null && CallerId.Trim().Length > 0 && !PhoneNumber.TryNormalize(CallerId, region, out callerId, out why)) { WriteError(ErrorMapping.InvalidNumber(nameof(CallerId), CallerId, why)); return; }

            var request = new RingOutCallRequest
            {
                To = to, From = from, DefaultRegion = region, ForwardingNumberId = ForwardingNumberId is null || ForwardingNumberId.Trim().Length == 0 ? null : ForwardingNumberId.Trim(),
                CallerId = callerId, PlayPrompt = PlayPrompt, CountryId = CountryId, AccountId = account, ExtensionId = extension,
            };
            var fromText = from ?? (request.ForwardingNumberId != null ? "forwarding number " + request.ForwardingNumberId : "your default forwarding number");
            if (!ShouldProcess($"{to} (ringing {fromText} first)", "Place RingOut call")) return;

            ShowPacing(to, remainingAfter);
            try
            {
                if (from == null && request.ForwardingNumberId == null)
                {
                    var standIn = Await(ct => _session.DefaultForwardingNumberAsync(account, extension, ct));
                    if (standIn != null)
                        WriteVerbose($"No -From or -ForwardingNumberId: ringing the default forwarding number first, {standIn.PhoneNumber} ({standIn.Label}, id {standIn.Id}), the first of the extension's forwarding numbers.");
                }
                var call = Await(ct => _session.PlaceCallAsync(request, ct));
                _placed++;
                SessionMemory.Of(_session).Placed(call);
                try { WriteObject(call); }
                catch (PipelineStoppedException)
                {
                    // Its answer came as the pipeline was stopped (Ctrl+C): the call is written nowhere, so the session names it.
                    _session.RecordStopped(call, UserMessages.StoppedAsPlaced);
                    throw;
                }
            }
            catch (Exception e) when (ErrorMapping.IsClientFailure(e))
            {
                // A dead session too is an error for this row only (ErrorMapping's rule): calls placed earlier are
                // on their way down the pipeline, to Wait-RingOutCall say, which must get to write them.
                Report(e, toInput);
            }
        }

        /// <summary>When RingCentral's limit makes the next call wait, say so, and how long the calls known to remain will take.</summary>
        private void ShowPacing(string to, int remainingAfter)
        {
            var wait = _session.Budget.WaitTime(RingCentralSession.PlaceCallGroup);
            if (wait <= TimeSpan.FromSeconds(1)) return;
            var state = _session.Budget.State(RingCentralSession.PlaceCallGroup);
            var rest = remainingAfter > 0
                ? $"; {remainingAfter} more after it, about {(_session.Budget.EstimateTime(RingCentralSession.PlaceCallGroup, remainingAfter + 1)).TotalMinutes:0.0} min in all"
                : "";
            WriteProgress(new ProgressRecord(1, "Placing RingOut calls",
                $"{_placed} placed; waiting {wait.TotalSeconds:0} s for RingCentral's rate limit ({state.Limit} calls per {state.Window.TotalSeconds:0} s) before calling {to}{rest}")
            {
                SecondsRemaining = (int)Math.Ceiling(wait.TotalSeconds),
            });
        }

        protected override void EndProcessing()
        {
            WriteProgress(new ProgressRecord(1, "Placing RingOut calls", "Done") { RecordType = ProgressRecordType.Completed });
            base.EndProcessing();
        }
    }
}
