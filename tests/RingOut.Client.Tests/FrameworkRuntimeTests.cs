using System;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client;
using RingOut.Client.Http;
using Xunit;

namespace RingOut.Client.Tests
{
    /// <summary>What Windows PowerShell 5.1's runtime (.NET Framework 4.x) needs of the client; the whole client on such a runtime: tests/RingOut.Net472.Run.</summary>
    public sealed class FrameworkRuntimeTests
    {
#pragma warning disable SYSLIB0014 // ServicePointManager: what .NET Framework's HttpClientHandler and ClientWebSocket obey
        [Fact]
        public void A_process_that_allows_only_old_TLS_versions_is_given_TLS_1_2_when_a_network_pipeline_is_made_and_the_system_default_is_left_alone()
        {
            // Windows PowerShell 5.1 (powershell.exe, built for .NET Framework 4.5) starts with SSL 3 and TLS 1.0 only,
            // unless the registry says otherwise; RingCentral takes TLS 1.2 and later, so Connect-RingCentral failed
            // there with "the underlying connection was closed".
            var before = ServicePointManager.SecurityProtocol;
            try
            {
                ServicePointManager.SecurityProtocol = SecurityProtocolType.Tls | SecurityProtocolType.Tls11;
                using (var source = HttpClientSource.Create(new PipelineSpec(new Uri("https://platform.ringcentral.com"), "test")))
                using (source.CreateClient())
                    Assert.Equal(SecurityProtocolType.Tls | SecurityProtocolType.Tls11 | SecurityProtocolType.Tls12, ServicePointManager.SecurityProtocol);

                // The system default (.NET, and .NET Framework programs built for 4.7 and later) lets the OS choose,
                // TLS 1.3 included: it is not narrowed to a list.
                ServicePointManager.SecurityProtocol = SecurityProtocolType.SystemDefault;
                using (var source = HttpClientSource.Create(new PipelineSpec(new Uri("https://platform.ringcentral.com"), "test")))
                using (source.CreateClient())
                    Assert.Equal(SecurityProtocolType.SystemDefault, ServicePointManager.SecurityProtocol);
            }
            finally
            {
                ServicePointManager.SecurityProtocol = before;
            }
        }
#pragma warning restore SYSLIB0014

        [Fact]
        public async Task Where_ClientWebSocket_is_not_supported_as_on_Windows_7_calls_are_followed_by_polling()
        {
            // On Windows 7 and Server 2008 R2, .NET Framework's ClientWebSocket constructor throws
            // PlatformNotSupportedException: the wait must fall back to polling, not fail the calls.
            using var rig = await Rig.StartAsync();
            var opened = 0;
            using var session = await RingCentralSession.ConnectAsync(rig.Options(configure: o => o.EventSocket = (address, ct) =>
            {
                Interlocked.Increment(ref opened);
                throw new PlatformNotSupportedException("The WebSocket protocol is not supported on this platform.");
            }));
            var call = await session.PlaceCallAsync(new RingOutCallRequest { To = "+14155550123" });
            var watcher = new CallWatcher(rig.Clock, TimeSpan.FromSeconds(3), RingOutWaitCondition.Ended) { Follow = RingOutFollowMode.Auto };
            var settled = await CallWatcherTests.WatchAsync(rig, watcher, new[] { call });

            Assert.True(opened > 0, "no socket was asked for");
            Assert.Equal(RingOutCallState.Ended, Assert.Single(settled).State);
            Assert.NotNull(watcher.EventsUnavailable);
            Assert.True(rig.Count("GET", "ring-out") > 0, "the call was not polled");
            Assert.Equal(FailureKind.Permanent, Failures.Classify(new PlatformNotSupportedException()));
        }
    }
}
