using System.Collections.Generic;
using System.Management.Automation;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>Makes a self-contained HTML page of click-to-dial links from a list of numbers.</summary>
    [Cmdlet(VerbsData.ConvertTo, "RingCentralDialPage", HelpUri = "https://github.com/ringout/RingOut.PowerShell/blob/main/docs/RingOut/ConvertTo-RingCentralDialPage.md")]
    [OutputType(typeof(string))]
    public sealed class ConvertToRingCentralDialPageCommand : DialCmdlet
    {
        private readonly List<RingCentralDialLink> _links = new List<RingCentralDialLink>();

        /// <summary>The page's title.</summary>
        [Parameter]
        public string Title { get; set; } = "Phone list";

        /// <summary>RcMobile (the default) or Tel links.</summary>
        [Parameter]
        public DialUriScheme Scheme { get; set; } = DialUriScheme.RcMobile;

        protected override void Dial(RingCentralDialLink link) => _links.Add(link);

        /// <summary>A page of the numbers that were good (each bad one was an error); no page when none was.</summary>
        protected override void EndProcessing()
        {
            if (_links.Count > 0) WriteObject(DialUri.Page(_links, Title, Scheme));
        }
    }
}
