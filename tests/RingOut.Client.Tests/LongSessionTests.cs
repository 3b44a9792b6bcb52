using System;
using System.Linq;
using System.Threading.Tasks;
using RingOut.Emulator;
using Xunit;

namespace RingOut.Client.Tests
{
    /// <summary>Issue 25: an unattended session that lives for months.</summary>
    public sealed class LongSessionTests
    {
        [Fact]
        public async Task After_two_hundred_refreshes_every_secret_the_session_ever_held_is_still_redacted()
        {
            using var rig = await Rig.StartAsync();
            for (var i = 0; i < 200; i++)
            {
                await Task.Delay(TimeSpan.FromHours(1), rig.Clock);
                await rig.Session.GetForwardingNumbersAsync();
            }
            Assert.Equal(200, rig.Session.TokenRefreshCount);
            var held = rig.Emulator.IssuedTokens.Concat(new[] { DemoAccount.ClientSecret, DemoAccount.UserJwt }).ToList();
            Assert.Equal(2 * 201 + 2, held.Count);
            // A server that echoes any of them, in any words, shows none of them.
            Assert.All(held, secret => Assert.Equal("invalid value [***] given", rig.Session.Secrets.Redact($"invalid value [{secret}] given")));
        }
    
        [Fact]
        public void The_credentials_outlive_any_number_of_tokens_and_the_tokens_kept_are_bounded()
        {
            var secrets = new SecretRedactor();
            secrets.AddCredential("client-secret-value");
            secrets.AddCredential("eyJ.the-jwt.credential");
            for (var i = 0; i <= SecretRedactor.MaxTokensKept; i++) secrets.Add($"token-number-{i:d6}");
            Assert.Equal("*** and *** and ***", secrets.Redact("client-secret-value and eyJ.the-jwt.credential and token-number-000001"));
            // Only the oldest token is forgotten.
            Assert.Equal("token-number-000000", secrets.Redact("token-number-000000"));
            // Overlapping secrets: the longest at each place.
            secrets.Add("token-number-000001-and-more");
            Assert.Equal("[***]", secrets.Redact("[token-number-000001-and-more]"));
        }
    }
}
