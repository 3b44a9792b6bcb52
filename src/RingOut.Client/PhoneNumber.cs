using System;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace RingOut.Client
{
    /// <summary>
    /// E.164 parsing: accepts numbers as people write them (spaces, dashes, dots, brackets, slashes, a leading
    /// <c>+</c> or <c>00</c>) and gives the E.164 form, or a sentence that says what is wrong.
    /// A number without a country code is read as a national number of <c>defaultRegion</c> (an ISO 3166 code such as
    /// GB, with Google's libphonenumber); with no region, as North American (+1).
    /// </summary>
    public static class PhoneNumber
    {
        private static readonly char[] ExtensionMarks = { 'x', 'X', '#', ',', ';', '*' };
        public static bool TryNormalize(string? input, [NotNullWhen(true)] out string? e164, [NotNullWhen(false)] out string? error) => TryNormalize(input, null, out e164, out error);

        public static bool TryNormalize(string? input, string? defaultRegion, [NotNullWhen(true)] out string? e164, [NotNullWhen(false)] out string? error)
        {
            e164 = null;
            if (input is null || input.Trim().Length == 0) { error = "A phone number is required, but the value is empty."; return false; }
            var text = input.Trim();
            if (text.StartsWith("tel:", StringComparison.OrdinalIgnoreCase)) text = text.Substring(4);
            if (text.IndexOf(";ext=", StringComparison.OrdinalIgnoreCase) >= 0 || text.IndexOf("ext", StringComparison.OrdinalIgnoreCase) >= 0 ||
                text.IndexOfAny(ExtensionMarks) >= 0)
            {
                error = $"'{input}' has an extension or dialling pause; RingOut dials whole numbers only. Give the number without the extension.";
                return false;
            }
            var digits = new StringBuilder(text.Length);
            var plus = false;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c >= '0' && c <= '9') digits.Append(c);
                else if (c == '+' && digits.Length == 0 && !plus) plus = true;
                else if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/' || c == '\u00a0') continue;
                else if (char.IsLetter(c))
                {
                    error = $"'{input}' contains letters; give the number in digits (for example +1 650 555 0123).";
                    return false;
                }
                else
                {
                    // Quote the whole character: an emoji is two UTF-16 units, and half of one is not text.
                    var whole = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? text.Substring(i, 2) : ApiPaths.Quote(c.ToString());
                    error = $"'{ApiPaths.Quote(input)}' contains '{whole}', which is not part of a phone number.";
                    return false;
                }
            }
            var d = digits.ToString();
            if (!plus && d.StartsWith("00", StringComparison.Ordinal)) { plus = true; d = d.Substring(2); }
            if (!plus && defaultRegion != null && defaultRegion.Length > 0 && !string.Equals(defaultRegion, "US", StringComparison.OrdinalIgnoreCase) &&
                !string.Equals(defaultRegion, "CA", StringComparison.OrdinalIgnoreCase))
                return NationalNumber.TryNormalize(input, d, defaultRegion.ToUpperInvariant(), out e164, out error);
            if (!plus)
            {
                if (d.Length == 10 && d[0] >= '2' && d[0] <= '9') d = "1" + d;
                else if (!(d.Length == 11 && d[0] == '1'))
                {
                    error = $"'{input}' has no country code; write it as +<country code><number> (for example +44 20 7946 0958). Numbers without one are read as North American and need 10 digits.";
                    return false;
                }
            }
            if (d.Length < 7 || d.Length > 15)
            {
                error = $"'{input}' has {d.Length} digits; an international (E.164) number has 7 to 15, country code included.";
                return false;
            }
            if (d[0] == '0')
            {
                error = $"'{input}' starts with 0 after the '+'; country codes never start with 0.";
                return false;
            }
            e164 = "+" + d;
            // A number too long or too short for its country (+1 415 555 01234567) is refused, as a national one is.
            if (NationalNumber.WrongLength(input, e164) is string wrong) { e164 = null; error = wrong; return false; }
            error = null;
            return true;
        }

        /// <summary>The E.164 form, or an <see cref="ArgumentException"/> that says what is wrong.</summary>
        public static string Normalize(string? input, string? defaultRegion = null)
        {
            if (TryNormalize(input, defaultRegion, out var e164, out var error)) return e164;
            throw new ArgumentException(error, nameof(input));
        }
    }

    /// <summary>National numbers of any region, and the international format people read, with libphonenumber (loaded on first use: a national number, or a number shown as a dial link).</summary>
    internal static class NationalNumber
    {
        /// <summary>An E.164 number in its country's international format (+44 20 7946 0958), or null when libphonenumber cannot read it.</summary>
        public static string? International(string e164)
        {
            var util = PhoneNumbers.PhoneNumberUtil.GetInstance();
            try { return util.Format(util.Parse(e164, null), PhoneNumbers.PhoneNumberFormat.INTERNATIONAL); }
            catch (PhoneNumbers.NumberParseException) { return null; }
        }

        /// <summary>Why an E.164 number cannot be one of its country's (too many or too few digits), or null when its length fits or its country code is not one libphonenumber knows.</summary>
        public static string? WrongLength(string input, string e164)
        {
            var util = PhoneNumbers.PhoneNumberUtil.GetInstance();
            try
            {
                var parsed = util.Parse(e164, null);
                switch (util.IsPossibleNumberWithReason(parsed))
                {
                    case PhoneNumbers.PhoneNumberUtil.ValidationResult.TOO_LONG:
                        return $"'{input}' has too many digits for a number of country code +{parsed.CountryCode}.";
                    case PhoneNumbers.PhoneNumberUtil.ValidationResult.TOO_SHORT:
                    case PhoneNumbers.PhoneNumberUtil.ValidationResult.INVALID_LENGTH:
                        return $"'{input}' has too few digits for a number of country code +{parsed.CountryCode}.";
                    default:
                        return null;
                }
            }
            catch (PhoneNumbers.NumberParseException) { return null; }
        }

        public static bool TryNormalize(string input, string digits, string region, [NotNullWhen(true)] out string? e164, [NotNullWhen(false)] out string? error)
        {
            e164 = null;
            var util = PhoneNumbers.PhoneNumberUtil.GetInstance();
            if (!util.GetSupportedRegions().Contains(region))
            {
                error = $"'{region}' is not a region code; give a two-letter ISO 3166 code such as GB or DE.";
                return false;
            }
            try
            {
                var parsed = util.Parse(digits, region);
                if (!util.IsValidNumberForRegion(parsed, region))
                {
                    error = $"'{input}' is not a valid phone number in {region}; write it with its country code (+…) if it is from elsewhere.";
                    return false;
                }
                e164 = util.Format(parsed, PhoneNumbers.PhoneNumberFormat.E164);
                error = null;
                return true;
            }
            catch (PhoneNumbers.NumberParseException e)
            {
                error = $"'{input}' is not a phone number in {region}: {e.Message}";
                return false;
            }
        }
    }
}
