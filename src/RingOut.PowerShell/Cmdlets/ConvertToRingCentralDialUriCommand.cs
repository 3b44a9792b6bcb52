using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>Turns numbers into rcmobile: and tel: click-to-dial links for the RingCentral desktop app.</summary>
    [Cmdlet(VerbsData.ConvertTo, "RingCentralDialUri", HelpUri = "https://github.com/ringout/RingOut.PowerShell/blob/main/docs/RingOut/ConvertTo-RingCentralDialUri.md")]
    [OutputType(typeof(RingCentralDialLink), typeof(string))]
    public sealed class ConvertToRingCentralDialUriCommand : DialCmdlet
    {
        /// <summary>Numbers as people write them, or rcmobile: and tel: links (read back).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PhoneNumber", "To", "Uri")]
        [AllowEmptyString]
        public string[] Number { get; set; } = Array.Empty<string>(); // mandatory: always bound

        /// <summary>Who the number is, shown in the link's title.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("DisplayName", "Label")]
        public string? Name { get; set; }

        /// <summary>The region (ISO 3166, such as GB) of numbers written without a country code; North America when absent.</summary>
        [Parameter]
        [ValidatePattern("^[A-Za-z]{2}$")]
        public string? DefaultRegion { get; set; }

        /// <summary>Write an HTML anchor instead of the link object.</summary>
        [Parameter]
        public SwitchParameter AsHtml { get; set; }

        /// <summary>The scheme of the anchor's link: RcMobile (the default: only RingCentral claims it) or Tel.</summary>
        [Parameter]
        public DialUriScheme Scheme { get; set; } = DialUriScheme.RcMobile;

        protected override void ProcessRecord()
        {
            foreach (var n in Number)
            {
                var link = LinkFor(n, Name, DefaultRegion);
                if (link != null) WriteObject(AsHtml ? (object)DialUri.Anchor(link, Scheme) : link);
            }
        }
    }
}
