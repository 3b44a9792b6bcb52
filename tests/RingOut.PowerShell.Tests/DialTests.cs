using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace RingOut.PowerShell.Tests
{
    [Collection("PowerShell")]
    public sealed class DialTests : IDisposable
    {
        private readonly PowerShellHost _ps = new PowerShellHost();

        public void Dispose()
        {
            Environment.SetEnvironmentVariable("RINGOUT_URI_HANDLER", null);
            _ps.Dispose();
        }

        private static string P(System.Management.Automation.PSObject o, string name) => o.Properties[name].Value?.ToString();

        [Theory]
        [InlineData("+1 (650) 111-2222", "+16501112222", "rcmobile://call?number=16501112222", "tel:+16501112222", "+1 650-111-2222")]
        [InlineData("650.111.2222", "+16501112222", "rcmobile://call?number=16501112222", "tel:+16501112222", "+1 650-111-2222")]
        [InlineData("1-650-111-2222", "+16501112222", "rcmobile://call?number=16501112222", "tel:+16501112222", "+1 650-111-2222")]
        [InlineData("0044 20 7946 0958", "+442079460958", "rcmobile://call?number=442079460958", "tel:+442079460958", "+44 20 7946 0958")]
        [InlineData("+49 (30) 901820", "+4930901820", "rcmobile://call?number=4930901820", "tel:+4930901820", "+49 30 901820")]
        public void Numbers_as_people_write_them_become_both_links(string written, string number, string rcmobile, string tel, string display)
        {
            var link = Assert.Single(_ps.Ok("ConvertTo-RingCentralDialUri $args[0]", written));
            Assert.Equal(number, P(link, "Number"));
            Assert.Equal(rcmobile, P(link, "RcMobileUri"));
            Assert.Equal(tel, P(link, "TelUri"));
            Assert.Equal(display, P(link, "Display"));
        }

        [Fact]
        public void A_UK_national_number_becomes_a_link_in_every_dial_command()
        {
            var marker = Path.Combine(Path.GetTempPath(), "ringout-region-" + Guid.NewGuid().ToString("N"));
            Environment.SetEnvironmentVariable("RINGOUT_URI_HANDLER", Recorder(marker));
            var uri = _ps.Ok("ConvertTo-RingCentralDialUri '020 7946 0958' -DefaultRegion GB").Single();
            Assert.Equal("rcmobile://call?number=442079460958", P(uri, "RcMobileUri"));
            var page = _ps.Ok("[pscustomobject]@{ Label = 'London'; To = '020 7946 0958' } | ConvertTo-RingCentralDialPage -DefaultRegion GB").Single().ToString();
            Assert.Contains("href=\"rcmobile://call?number=442079460958\"", page);
            var opened = _ps.Ok("[pscustomobject]@{ DisplayName = 'London'; PhoneNumber = '020 7946 0958' } | Open-RingCentralDialUri -DefaultRegion gb -PassThru -Confirm:$false").Single();
            Assert.Equal("London", P(opened, "Name"));
            Assert.Equal(new[] { "rcmobile://call?number=442079460958" }, File.ReadAllLines(marker));
        }

        [Theory]
        [InlineData("ConvertTo-RingCentralDialUri")]
        [InlineData("ConvertTo-RingCentralDialPage")]
        [InlineData("Open-RingCentralDialUri")]
        public void The_dial_commands_take_the_same_number_parameters(string command)
        {
            var r = _ps.Ok("$p = (Get-Command $args[0]).Parameters; foreach ($n in 'Number', 'Name', 'DefaultRegion') { [string[]] $a = $p[$n].Aliases; [Array]::Sort($a); $n + ':' + ($a -join ',') }", command);
            Assert.Equal(new[] { "Number:PhoneNumber,RcMobileUri,To,Uri", "Name:DisplayName,Label", "DefaultRegion:" }, r.Select(o => o.ToString()));
        }

        [Theory]
        [InlineData("+1 650 111 2222 x12", "extension")]
        [InlineData("+1 650 111 2222 ext 12", "extension")]
        [InlineData("1-800-FLOWERS", "letters")]
        [InlineData("rcmobile://call?number=1650CALLNOW", "letters")]
        [InlineData("rcmobile://dial?x=1", "not an rcmobile://call")]
        public void Extensions_and_letters_are_refused_with_a_clear_error(string written, string because)
        {
            var r = _ps.Run("ConvertTo-RingCentralDialUri $args[0]", written);
            var error = Assert.Single(r.Errors);
            Assert.Equal("RingOut.InvalidPhoneNumber,RingOut.PowerShell.ConvertToRingCentralDialUriCommand", error.FullyQualifiedErrorId);
            Assert.Equal(written, error.TargetObject);
            Assert.Contains(because, error.Exception.Message);
            Assert.Empty(r.Output);
        }

        [Fact]
        public void Both_schemes_round_trip()
        {
            var r = _ps.Ok(@"$link = ConvertTo-RingCentralDialUri '+1 650 111 2222'
                (ConvertTo-RingCentralDialUri $link.RcMobileUri).Number
                (ConvertTo-RingCentralDialUri $link.TelUri).Number
                (ConvertTo-RingCentralDialUri 'tel:+1-650-111-2222').Number");
            Assert.All(r, o => Assert.Equal("+16501112222", o.ToString()));
        }

        [Fact]
        public void An_anchor_encodes_what_it_shows()
        {
            var html = _ps.Ok("[pscustomobject]@{ Name = '<b>R&D</b>'; PhoneNumber = '+1 650 111 2222' } | ConvertTo-RingCentralDialUri -AsHtml").Single().ToString();
            Assert.Equal("<a class=\"ringcentral-dial\" href=\"rcmobile://call?number=16501112222\" data-dial=\"rcmobile://call?number=16501112222\" title=\"Call &lt;b&gt;R&amp;D&lt;/b&gt; (+1 650-111-2222)\">+1 650-111-2222</a>", html);
            var tel = _ps.Ok("ConvertTo-RingCentralDialUri '+1 650 111 2222' -AsHtml -Scheme Tel").Single().ToString();
            Assert.Contains("href=\"tel:+16501112222\"", tel);
        }

        [Fact]
        public void Open_with_WhatIf_opens_nothing()
        {
            var marker = Path.Combine(Path.GetTempPath(), "ringout-whatif-" + Guid.NewGuid().ToString("N"));
            Environment.SetEnvironmentVariable("RINGOUT_URI_HANDLER", Recorder(marker));
            var r = _ps.Run("Open-RingCentralDialUri '+1 650 111 2222' -WhatIf");
            Assert.Empty(r.Errors);
            Assert.False(File.Exists(marker));
        }

        [Fact]
        public void Open_hands_the_link_to_the_handler()
        {
            var marker = Path.Combine(Path.GetTempPath(), "ringout-open-" + Guid.NewGuid().ToString("N"));
            Environment.SetEnvironmentVariable("RINGOUT_URI_HANDLER", Recorder(marker));
            var r = _ps.Run("Open-RingCentralDialUri '+1 650 111 2222', '+44 20 7946 0958' -Scheme Tel -PassThru -Confirm:$false");
            Assert.Empty(r.Errors);
            Assert.Equal(2, r.Output.Count);
            Assert.Equal(new[] { "tel:+16501112222", "tel:+442079460958" }, File.ReadAllLines(marker));
        }

        [Theory]
        [InlineData("/nonexistent/handler", "No application is registered for rcmobile: links")]
        [InlineData("false", "exited with code 1")]
        public void Without_a_handler_the_error_says_so(string handler, string message)
        {
            Environment.SetEnvironmentVariable("RINGOUT_URI_HANDLER", handler);
            var r = _ps.Run("Open-RingCentralDialUri '+1 650 111 2222' -Confirm:$false");
            var error = Assert.Single(r.Errors);
            Assert.Equal("RingOut.NoUriHandler,RingOut.PowerShell.OpenRingCentralDialUriCommand", error.FullyQualifiedErrorId);
            Assert.Equal("rcmobile://call?number=16501112222", error.TargetObject);
            Assert.Contains(message, error.Exception.Message);
        }

        [Fact]
        public void What_a_failing_handler_writes_is_kept_for_Verbose_not_let_through()
        {
            var script = Path.Combine(Path.GetTempPath(), "ringout-noisy-" + Guid.NewGuid().ToString("N") + ".sh");
            File.WriteAllText(script, "#!/bin/sh\necho 'gio: Operation not supported' >&2\necho 'xdg-open: no method available' >&2\nexit 3\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Environment.SetEnvironmentVariable("RINGOUT_URI_HANDLER", script);
            var r = _ps.Run("Open-RingCentralDialUri '+14155550123' -Confirm:$false -Verbose");
            var error = Assert.Single(r.Errors);
            Assert.Equal("RingOut.NoUriHandler,RingOut.PowerShell.OpenRingCentralDialUriCommand", error.FullyQualifiedErrorId);
            Assert.Contains("exited with code 3", error.Exception.Message);
            Assert.Contains("-Verbose", error.Exception.Message);
            var verbose = string.Join("\n", r.Verbose.Select(v => v.Message));
            Assert.Contains("gio: Operation not supported", verbose);
            Assert.Contains("xdg-open: no method available", verbose);
        }

        [Fact]
        public void A_dial_page_holds_only_the_good_numbers_and_none_is_written_when_none_was_good()
        {
            var r = _ps.Run("ConvertTo-RingCentralDialPage '020 7946 0958'");
            Assert.Equal("RingOut.InvalidPhoneNumber", Assert.Single(r.ErrorIds));
            Assert.Empty(r.Output);
            var mixed = _ps.Run("ConvertTo-RingCentralDialPage '020 7946 0958', '+1 650 111 2222'");
            Assert.Equal("RingOut.InvalidPhoneNumber", Assert.Single(mixed.ErrorIds));
            var page = Assert.Single(mixed.Output).ToString();
            Assert.Contains("href=\"rcmobile://call?number=16501112222\"", page);
        }

        /// <summary>A handler script that appends the link it is given to a file.</summary>
        private static string Recorder(string marker)
        {
            var script = marker + ".sh";
            File.WriteAllText(script, $"#!/bin/sh\necho \"$1\" >> '{marker}'\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return script;
        }

        [Fact]
        public void The_dial_page_works_in_headless_Chromium()
        {
            var html = _ps.Ok(@"
                $rows = [pscustomobject]@{ Name = 'Help desk'; PhoneNumber = '+1 650 111 2222' },
                        [pscustomobject]@{ Name = 'London <office>'; PhoneNumber = '0044 20 7946 0958' },
                        [pscustomobject]@{ Name = 'Broken'; PhoneNumber = 'call me' }
                $rows | ConvertTo-RingCentralDialPage -Title 'Office phones' -ErrorAction SilentlyContinue").Single().ToString();

            // The test appends its own script: it records script errors, replaces the dial hook with a recorder (a
            // real rcmobile: navigation would wait for an app), clicks every link, and writes what happened into the DOM.
            const string probe = @"<script>
var errors = [], dialled = [], prevented = 0;
window.addEventListener('error', function (e) { errors.push(String(e.message)); });
window.ringCentralDial = function (uri) { dialled.push(uri); };
document.querySelectorAll('a[data-dial]').forEach(function (a) {
  var ev = new MouseEvent('click', { bubbles: true, cancelable: true });
  try { a.dispatchEvent(ev); if (ev.defaultPrevented) prevented++; } catch (e) { errors.push(String(e)); }
});
document.body.setAttribute('data-test', JSON.stringify({ errors: errors, dialled: dialled, prevented: prevented,
  ready: document.documentElement.getAttribute('data-ringcentral-dial'), title: document.title,
  links: Array.prototype.map.call(document.querySelectorAll('a[data-dial]'), function (a) { return [a.getAttribute('href'), a.textContent]; }) }));
</script>";
            var page = Path.Combine(Path.GetTempPath(), "ringout-dial-" + Guid.NewGuid().ToString("N") + ".html");
            File.WriteAllText(page, html.Replace("</body>", probe + "\n</body>"));
            var dom = Chromium.DumpDom(page);
            var json = WebUtility.HtmlDecode(Regex.Match(dom, "data-test=\"([^\"]*)\"").Groups[1].Value);
            using var result = JsonDocument.Parse(json);
            var root = result.RootElement;
            Assert.Equal(0, root.GetProperty("errors").GetArrayLength());
            Assert.Equal("ready", root.GetProperty("ready").GetString());
            Assert.Equal("Office phones", root.GetProperty("title").GetString());
            var links = root.GetProperty("links").EnumerateArray().Select(l => (l[0].GetString(), l[1].GetString())).ToArray();
            Assert.Equal(new[] { ("rcmobile://call?number=16501112222", "+1 650-111-2222"), ("rcmobile://call?number=442079460958", "+44 20 7946 0958") }, links);
            Assert.Equal(new[] { "rcmobile://call?number=16501112222", "rcmobile://call?number=442079460958" },
                root.GetProperty("dialled").EnumerateArray().Select(d => d.GetString()));
            Assert.Equal(2, root.GetProperty("prevented").GetInt32());
            Assert.Contains("London &lt;office&gt;", html);
            Assert.Contains("w.location.assign(uri)", html); // the document's own snippet
            Assert.Contains("(window.parent) ? window.parent : window", html);
        }
    }

    /// <summary>Debian's Chromium, headless. The test setup installs it (apt-get, as CI runs as root) when it is missing.</summary>
    internal static class Chromium
    {
        private const string Binary = "/usr/bin/chromium";

        private static void EnsureInstalled() => Debian.EnsureInstalled(Binary, "chromium", "The browser test");

        public static string DumpDom(string file)
        {
            EnsureInstalled();
            var profile = Directory.CreateTempSubdirectory("ringout-chromium-").FullName;
            var psi = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                                      "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile, "--dump-dom", "file://" + file })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi);
            var stderr = p.StandardError.ReadToEndAsync();
            var dom = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(60000)) { p.Kill(true); throw new TimeoutException("Chromium did not finish within 60 s"); }
            return dom.Length > 0 ? dom : throw new InvalidOperationException("Chromium wrote no DOM: " + stderr.Result);
        }
    }
}
