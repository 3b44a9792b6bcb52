using System;
using System.Management.Automation;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>
    /// What the click-to-dial cmdlets share: the numbers (or links) they read, who each is, the region of numbers
    /// written without a country code, and reading one into a link or an InvalidPhoneNumber error.
    /// </summary>
    public abstract class DialCmdlet : PSCmdlet
    {
        /// <summary>Numbers as people write them, or rcmobile: and tel: links (read back), such as the Number or PhoneNumber column of a CSV file.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PhoneNumber", "To", "Uri", "RcMobileUri")]
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

        protected override void ProcessRecord()
        {
            foreach (var input in Number)
            {
                if (DialUri.TryCreate(input, Name, DefaultRegion, out var link, out var why)) Dial(link);
                else WriteError(new ErrorRecord(new ArgumentException(why), ErrorIds.InvalidPhoneNumber, ErrorCategory.InvalidArgument, input));
            }
        }

        /// <summary>What the cmdlet does with each link read.</summary>
        protected abstract void Dial(RingCentralDialLink link);
    }
}
