using System.Management.Automation;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>Turns numbers into rcmobile: and tel: click-to-dial links for the RingCentral desktop app.</summary>
    [Cmdlet(VerbsData.ConvertTo, "RingCentralDialUri", HelpUri = "https://github.com/ringout/RingOut.PowerShell/blob/main/docs/RingOut/ConvertTo-RingCentralDialUri.md")]
    [OutputType(typeof(RingCentralDialLink), typeof(string))]
    public sealed class ConvertToRingCentralDialUriCommand : DialCmdlet
    {
        /// <summary>Write an HTML anchor instead of the link object.</summary>
        [Parameter]
        public SwitchParameter AsHtml { get; set; }

        /// <summary>The scheme of the anchor's link: RcMobile (the default: only RingCentral claims it) or Tel.</summary>
        [Parameter]
        public DialUriScheme Scheme { get; set; } = DialUriScheme.RcMobile;

        protected override void Dial(RingCentralDialLink link) => WriteObject(AsHtml ? (object)DialUri.Anchor(link, Scheme) : link);
    }
}
