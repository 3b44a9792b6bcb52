using System;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>Opens click-to-dial links with the operating system's handler: the RingCentral desktop app, where it is installed.</summary>
    [Cmdlet(VerbsCommon.Open, "RingCentralDialUri", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
        HelpUri = "https://github.com/ringout/RingOut.PowerShell/blob/main/docs/RingOut/Open-RingCentralDialUri.md")]
    [OutputType(typeof(RingCentralDialLink))]
    public sealed class OpenRingCentralDialUriCommand : DialCmdlet
    {
        /// <summary>Names a command that opens URIs instead of the operating system's default (for headless machines and tests).</summary>
        public const string HandlerVariable = "RINGOUT_URI_HANDLER";

        /// <summary>RcMobile (the default) or Tel.</summary>
        [Parameter]
        public DialUriScheme Scheme { get; set; } = DialUriScheme.RcMobile;

        /// <summary>Write each link that was opened.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void Dial(RingCentralDialLink link)
        {
            var uri = Scheme == DialUriScheme.Tel ? link.TelUri : link.RcMobileUri;
            if (!ShouldProcess(uri, $"Dial {link.Display} with the RingCentral desktop app")) return;
            var failure = Launch(uri, out var said);
            if (said.Length > 0) WriteVerbose($"The URI handler wrote: {said}");
            if (failure != null)
            {
                WriteError(new ErrorRecord(new InvalidOperationException(failure), ErrorIds.NoUriHandler, ErrorCategory.ResourceUnavailable, uri)
                {
                    ErrorDetails = new ErrorDetails(failure) { RecommendedAction = "Install the RingCentral desktop app, or place the call with New-RingOutCall." },
                });
                return;
            }
            if (PassThru) WriteObject(link);
        }

        /// <summary>Starts the handler; returns why it could not, or null. What it wrote (xdg-open's complaints) is kept in <paramref name="said"/>, never let through to the console.</summary>
        private static string? Launch(string uri, out string said)
        {
            said = "";
            var scheme = uri.Substring(0, uri.IndexOf(':'));
            var custom = Environment.GetEnvironmentVariable(HandlerVariable);
            ProcessStartInfo psi;
            if (!string.IsNullOrWhiteSpace(custom)) psi = new ProcessStartInfo(custom.Trim()) { UseShellExecute = false };
            else if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) psi = new ProcessStartInfo(uri) { UseShellExecute = true };
            else if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX)) psi = new ProcessStartInfo("open") { UseShellExecute = false };
            else psi = new ProcessStartInfo("xdg-open") { UseShellExecute = false };
            if (!psi.UseShellExecute)
            {
                psi.Arguments = "\"" + uri + "\"";
                psi.RedirectStandardError = true;
                psi.RedirectStandardOutput = true;
            }
            try
            {
                using (var p = Process.Start(psi))
                {
                    if (p == null || psi.UseShellExecute) return null;
                    var output = p.StandardOutput.ReadToEndAsync();
                    var errors = p.StandardError.ReadToEndAsync();
                    if (!p.WaitForExit(15000)) return null; // still running: the handler took it
                    // What a handler that has ended wrote; a program it started may hold the pipes open, so this waits briefly.
                    if (Task.WaitAll(new Task[] { output, errors }, 2000)) said = (errors.Result + output.Result).Trim();
                    if (p.ExitCode == 0) return null;
                    var seeVerbose = said.Length > 0 ? " What it wrote is shown with -Verbose." : "";
                    return $"No application opened '{uri}': {Path.GetFileName(psi.FileName)} exited with code {p.ExitCode}. No handler may be registered for {scheme}: links.{seeVerbose}";
                }
            }
            catch (Win32Exception e)
            {
                return $"No application is registered for {scheme}: links, so '{uri}' could not be opened ({(string.IsNullOrWhiteSpace(custom) ? psi.FileName : custom)}: {e.Message}).";
            }
        }
    }
}
