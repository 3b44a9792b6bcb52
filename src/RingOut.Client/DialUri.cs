using System;
using System.Diagnostics.CodeAnalysis;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text;

namespace RingOut.Client
{
    /// <summary>A number as click-to-dial links for the RingCentral desktop app.</summary>
    public sealed class RingCentralDialLink
    {
        internal RingCentralDialLink(string number, string? name)
        {
            Number = number;
            Name = name;
            Display = DialUri.Display(number);
            RcMobileUri = DialUri.RcMobile(number);
            TelUri = DialUri.Tel(number);
        }

        /// <summary>The number, E.164.</summary>
        public string Number { get; }
        /// <summary>The number for people to read, such as +1 650-555-0123.</summary>
        public string Display { get; }
        /// <summary>Who or what the number is, when given.</summary>
        public string? Name { get; }
        /// <summary>RingCentral's own scheme, which no other app claims: rcmobile://call?number=16505550123.</summary>
        public string RcMobileUri { get; }
        /// <summary>The standard scheme (RFC 3966), which other apps may claim too: tel:+16505550123.</summary>
        public string TelUri { get; }

        public override string ToString() => RcMobileUri;
    }

    public enum DialUriScheme { RcMobile, Tel }

    /// <summary>
    /// The rcmobile: and tel: URI schemes of RingCentral's API document ("URI Scheme"): building the links, reading
    /// them back, and HTML anchors and pages with the JavaScript the document gives for Google Chrome.
    /// </summary>
    public static class DialUri
    {
        private static readonly char[] EqualsSign = { '=' };
        public static string RcMobile(string e164) => "rcmobile://call?number=" + Uri.EscapeDataString(e164.TrimStart('+'));

        public static string Tel(string e164) => "tel:" + e164;

        /// <summary>A link for a number, or for a written number, or one of the two URI forms (read back).</summary>
        public static bool TryCreate(string? input, string? name, [NotNullWhen(true)] out RingCentralDialLink? link, [NotNullWhen(false)] out string? error) =>
            TryCreate(input, name, null, out link, out error);

        /// <summary>As <see cref="TryCreate(string?, string?, out RingCentralDialLink?, out string?)"/>, reading numbers without a country code in <paramref name="defaultRegion"/>.</summary>
        public static bool TryCreate(string? input, string? name, string? defaultRegion, [NotNullWhen(true)] out RingCentralDialLink? link, [NotNullWhen(false)] out string? error)
        {
            link = null;
            var text = input?.Trim() ?? "";
            if (text.StartsWith("rcmobile:", StringComparison.OrdinalIgnoreCase))
            {
                if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || !string.Equals(uri.Host, "call", StringComparison.OrdinalIgnoreCase))
                {
                    error = $"'{input}' is not an rcmobile://call?number= link.";
                    return false;
                }
                var number = uri.Query.TrimStart('?').Split('&').Select(p => p.Split(EqualsSign, 2))
                    .Where(p => p.Length == 2 && p[0] == "number").Select(p => Uri.UnescapeDataString(p[1])).FirstOrDefault();
                text = number == null ? "" : (number.StartsWith("+", StringComparison.Ordinal) ? number : "+" + number);
            }
            else if (text.StartsWith("tel:", StringComparison.OrdinalIgnoreCase))
            {
                text = Uri.UnescapeDataString(text.Substring(4));
            }
            if (!PhoneNumber.TryNormalize(text, defaultRegion, out var e164, out error)) return false;
            link = new RingCentralDialLink(e164, name is null || name.Trim().Length == 0 ? null : name.Trim());
            return true;
        }

        /// <summary>For people: the international format of the number's country (libphonenumber): +1 650-555-0123, +44 20 7946 0958.</summary>
        public static string Display(string e164) => NationalNumber.International(e164) ?? e164;

        private static string Href(RingCentralDialLink link, DialUriScheme scheme) => scheme == DialUriScheme.Tel ? link.TelUri : link.RcMobileUri;

        /// <summary>An HTML anchor: the number formatted for people, the link in href and in data-dial (for the Chrome script).</summary>
        public static string Anchor(RingCentralDialLink link, DialUriScheme scheme = DialUriScheme.RcMobile)
        {
            var href = WebUtility.HtmlEncode(Href(link, scheme));
            var title = WebUtility.HtmlEncode(link.Name == null ? "Call " + link.Display : $"Call {link.Name} ({link.Display})");
            return $"<a class=\"ringcentral-dial\" href=\"{href}\" data-dial=\"{href}\" title=\"{title}\">{WebUtility.HtmlEncode(link.Display)}</a>";
        }

        /// <summary>
        /// The JavaScript RingCentral's document gives for Google Chrome, which needs a script to open a custom scheme:
        /// it calls location.assign on the parent window (or this one) for links marked data-dial.
        /// </summary>
        public const string ChromeScript = @"(function () {
  function ringCentralDial(uri) {
    var w = (window.parent) ? window.parent : window;
    w.location.assign(uri);
  }
  document.addEventListener('click', function (event) {
    var link = event.target && event.target.closest ? event.target.closest('a[data-dial]') : null;
    if (!link || !/Chrome\//.test(navigator.userAgent)) return;
    event.preventDefault();
    window.ringCentralDial(link.getAttribute('data-dial'));
  });
  window.ringCentralDial = ringCentralDial; // a page may replace it, to log or confirm before dialling
  document.documentElement.setAttribute('data-ringcentral-dial', 'ready');
})();";

        /// <summary>A self-contained page of click-to-dial links: no external files, the Chrome script inline.</summary>
        public static string Page(IEnumerable<RingCentralDialLink> links, string title, DialUriScheme scheme = DialUriScheme.RcMobile)
        {
            var t = WebUtility.HtmlEncode(string.IsNullOrWhiteSpace(title) ? "Phone list" : title);
            var sb = new StringBuilder();
            sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(t).Append("</title>\n")
              .Append("<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:.3em 1em;border-bottom:1px solid #ddd;text-align:left}</style>\n")
              .Append("</head>\n<body>\n<h1>").Append(t).Append("</h1>\n<table>\n<thead><tr><th>Name</th><th>Number</th></tr></thead>\n<tbody>\n");
            foreach (var link in links)
                sb.Append("<tr><td>").Append(WebUtility.HtmlEncode(link.Name ?? "")).Append("</td><td>").Append(Anchor(link, scheme)).Append("</td></tr>\n");
            sb.Append("</tbody>\n</table>\n<p>The links open the RingCentral desktop app").Append(scheme == DialUriScheme.RcMobile ? " (rcmobile: links)" : " (tel: links; another app may claim them)")
              .Append(".</p>\n<script>\n").Append(ChromeScript).Append("\n</script>\n</body>\n</html>\n");
            return sb.ToString();
        }
    }
}
