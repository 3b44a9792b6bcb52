using System;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>What the click-to-dial cmdlets share: reading a number (or link) into a link, or an InvalidPhoneNumber error.</summary>
    public abstract class DialCmdlet : PSCmdlet
    {
        /// <summary>The link for <paramref name="input"/>; null after writing RingOut.InvalidPhoneNumber.</summary>
        protected RingCentralDialLink? LinkFor(string input, string? name, string? defaultRegion = null)
        {
            if (DialUri.TryCreate(input, name, defaultRegion, out var link, out var why)) return link;
            WriteError(new ErrorRecord(new ArgumentException(why), ErrorIds.InvalidPhoneNumber, ErrorCategory.InvalidArgument, input));
            return null;
        }
    }
}
