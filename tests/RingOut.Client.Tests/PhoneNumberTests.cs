using Xunit;

namespace RingOut.Client.Tests
{
    public sealed class PhoneNumberTests
    {
        [Theory]
        [InlineData("+16505550123", "+16505550123")]
        [InlineData("+1 650 555 0123", "+16505550123")]
        [InlineData("+1-650-555-0123", "+16505550123")]
        [InlineData("+1.650.555.0123", "+16505550123")]
        [InlineData("+1 (650) 555-0123", "+16505550123")]
        [InlineData("(650) 555-0123", "+16505550123")]
        [InlineData("650 555 0123", "+16505550123")]
        [InlineData("1-650-555-0123", "+16505550123")]
        [InlineData("16505550123", "+16505550123")]
        [InlineData("0044 20 7946 0958", "+442079460958")]
        [InlineData("+44 (0)20 7946 0958", "+4402079460958")]
        [InlineData("  +49 30 901820  ", "+4930901820")]
        [InlineData("tel:+1-650-555-0123", "+16505550123")]
        public void Numbers_as_people_write_them_normalise_to_E164(string written, string e164)
        {
            Assert.True(PhoneNumber.TryNormalize(written, out var result, out var error), error);
            Assert.Equal(e164, result);
        }

        [Theory]
        [InlineData("020 7946 0958", "GB", "+442079460958")]
        [InlineData("(0)20 7946 0958", "gb", "+442079460958")]
        [InlineData("030 901820", "DE", "+4930901820")]
        [InlineData("+1 650 555 0101", "GB", "+16505550101")] // a country code wins over the region
        [InlineData("(650) 555-0123", "US", "+16505550123")]
        public void National_numbers_are_read_in_the_default_region(string written, string region, string e164)
        {
            Assert.True(PhoneNumber.TryNormalize(written, region, out var result, out var error), error);
            Assert.Equal(e164, result);
        }

        [Theory]
        [InlineData("020 7946 0958", "XX", "not a region code")]
        [InlineData("12", "GB", "not a valid phone number in GB")]
        public void A_number_that_is_not_one_of_the_region_says_so(string written, string region, string because)
        {
            Assert.False(PhoneNumber.TryNormalize(written, region, out _, out var error));
            Assert.Contains(because, error);
        }

        [Theory]
        [InlineData("", "empty")]
        [InlineData("   ", "empty")]
        [InlineData(null, "empty")]
        [InlineData("+1 650 CALL NOW", "letters")]
        [InlineData("1-800-FLOWERS", "letters")]
        [InlineData("+1 650 555 0123 x204", "extension")]
        [InlineData("+1 650 555 0123 ext. 204", "extension")]
        [InlineData("+16505550123;ext=204", "extension")]
        [InlineData("+16505550123,,204", "extension")]
        [InlineData("555-0123", "country code")]
        [InlineData("020 7946 0958", "country code")]
        [InlineData("+123", "digits")]
        [InlineData("+1234567890123456", "digits")]
        [InlineData("+1 415 555 01234567", "too many digits for a number of country code +1")]
        [InlineData("+1 415 555 01", "too few digits for a number of country code +1")]
        [InlineData("+0 650 555 0123", "starts with 0")]
        [InlineData("+1 650 555 0123!", "'!'")]
        [InlineData("+1+6505550123", "'+'")]
        public void Anything_else_is_refused_with_a_sentence_that_says_why(string written, string because)
        {
            Assert.False(PhoneNumber.TryNormalize(written, out var result, out var error));
            Assert.Null(result);
            Assert.Contains(because, error);
        }
    }
}
