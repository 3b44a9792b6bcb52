using System.Linq;
using Xunit;

namespace RingOut.PowerShell.Tests
{
    [Collection("PowerShell")]
    public sealed class SmokeTests
    {
        [Fact]
        public void A_call_placed_against_the_emulator_connects()
        {
            using var ps = new PowerShellHost();
            ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime");
            var result = ps.Run("New-RingOutCall -To '+1 (415) 555-0123' | Wait-RingOutCall");
            Assert.Empty(result.Errors);
            Assert.Null(result.Terminating);
            Assert.Equal("Connected", result.Single("State").ToString());
            Assert.Equal("+14155550123", result.Single("To"));
        }
    }
}
