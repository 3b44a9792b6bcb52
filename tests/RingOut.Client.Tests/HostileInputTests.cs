using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client;
using Xunit;

namespace RingOut.Client.Tests
{
    /// <summary>
    /// Tests that measure the process's memory (GC.GetTotalMemory counts every thread's allocations): run alone, after
    /// the tests that run in parallel, so that another test's allocations are not counted as theirs.
    /// </summary>
    [CollectionDefinition(nameof(MeasuresMemory), DisableParallelization = true)]
    public sealed class MeasuresMemory { }

    /// <summary>Random and malicious input: no crash, no hang, a clear error, bounded memory.</summary>
    [Collection(nameof(MeasuresMemory))]
    public sealed class HostileInputTests
    {
        [Fact]
        public void Ten_thousand_random_strings_are_numbers_or_clear_errors_never_exceptions()
        {
            var random = new Random(20261123);
            const string alphabet = "0123456789+-.() /xX#*,;:extabcTEL\u00a0\u0660\u06f1٣\t\n\"'<>&%";
            for (var i = 0; i < 10_000; i++)
            {
                var text = new string(Enumerable.Range(0, random.Next(0, 40)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
                var ok = PhoneNumber.TryNormalize(text, i % 3 == 0 ? "GB" : null, out var e164, out var error);
                if (ok) Assert.Matches(@"^\+[1-9][0-9]{6,14}$", e164);
                else Assert.False(string.IsNullOrWhiteSpace(error), $"no reason given for '{text}'");
                var dial = DialUri.TryCreate(i % 2 == 0 ? "rcmobile://call?number=" + text : "tel:" + text, null, out _, out var dialError);
                Assert.True(dial || !string.IsNullOrWhiteSpace(dialError));
            }
        }

        [Fact]
        public void A_huge_number_string_is_refused_quickly()
        {
            Assert.False(PhoneNumber.TryNormalize(new string('1', 5_000_000), out _, out var error));
            Assert.Contains("digits", error);
        }

        /// <summary>Answers the who-am-I of the connect normally, and everything else with <c>body</c>.</summary>
        private sealed class HostileServer : HttpMessageHandler
        {
            private readonly Func<HttpContent> _body;
            public HostileServer(Func<HttpContent> body) { _body = body; }
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
                Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
                {
                    Content = request.RequestUri.AbsolutePath.EndsWith("/extension/~")
                        ? new StringContent("{\"id\":1,\"account\":{\"id\":2}}", Encoding.UTF8, "application/json")
                        : _body(),
                });
        }

        private static Task<RingCentralSession> ConnectTo(Func<HttpContent> body) =>
            RingCentralSession.ConnectAsync(new RingCentralConnectOptions
            {
                Server = new Uri("https://hostile.invalid"), AccessToken = Secret.From("T"), Transport = () => new HostileServer(body),
                Retry = new Http.RetryOptions { MaxRetries = 0 },
                // The server sends no rate-limit headers, so the client paces to RingCentral's defaults: on virtual time.
                Clock = new RingOut.Emulator.VirtualClock { AutoAdvance = true },
            });

        public static TheoryData<string, string> Bodies() => new()
        {
            { "deeply nested", new string('[', 100_000) + new string(']', 100_000) },
            { "not JSON", "<html>502</html>" },
            { "an array", "[1,2,3]" },
            { "id is an object", "{\"id\":{\"x\":1},\"status\":{}}" },
            { "id missing", "{\"status\":{\"callStatus\":\"Success\"}}" },
            { "id is null", "{\"id\":null}" },
            { "empty", "" },
            { "truncated", "{\"id\":123,\"status\":{\"callSt" },
        };

        [Theory]
        [MemberData(nameof(Bodies))]
        public async Task A_broken_or_hostile_call_body_is_a_clear_protocol_error(string what, string body)
        {
            using var session = await ConnectTo(() => new StringContent(body, Encoding.UTF8, "application/json"));
            var e = await Assert.ThrowsAsync<RingCentralProtocolException>(() => session.GetCallAsync("1"));
            Assert.Contains("RingOut", e.Message + what);
        }

        [Fact]
        public async Task Wrong_types_in_the_statuses_are_read_as_Unknown()
        {
            using var session = await ConnectTo(() => new StringContent("{\"id\":7,\"status\":{\"callStatus\":5,\"callerStatus\":[],\"calleeStatus\":{}},\"extra\":[[[]]]}", Encoding.UTF8, "application/json"));
            var call = await session.GetCallAsync("7");
            Assert.Equal("7", call.Id);
            Assert.Equal(RingOutStatus.Unknown, call.CallStatus);
            Assert.Equal(RingOutStatus.Unknown, call.CalleeStatus);
            Assert.Equal(RingOutCallState.Failed, call.State);
        }

        [Fact]
        public async Task A_64_MB_answer_is_refused_without_reading_it_into_memory()
        {
            using var session = await ConnectTo(() => new StreamContent(new EndlessStream(64L * 1024 * 1024)));
            var before = GC.GetTotalMemory(true);
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => session.GetCallAsync("1"));
            var grown = GC.GetTotalMemory(false) - before;
            Assert.True(grown < 32L * 1024 * 1024, $"memory grew by {grown / 1024 / 1024} MB");
        }

        /// <summary>Answers the who-am-I, then 401 with a body of <paramref name="length"/> bytes.</summary>
        private sealed class HugeUnauthorized : HttpMessageHandler
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
                Task.FromResult(request.RequestUri.AbsolutePath.EndsWith("/extension/~")
                    ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"id\":1,\"account\":{\"id\":2}}", Encoding.UTF8, "application/json") }
                    : new HttpResponseMessage(HttpStatusCode.Unauthorized) { Content = new StreamContent(new EndlessStream(40L * 1024 * 1024)) });
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task A_40_MB_401_body_is_not_read_whole_even_with_bodies_captured(bool debug)
        {
            using var session = await RingCentralSession.ConnectAsync(new RingCentralConnectOptions
            {
                Server = new Uri("https://hostile.invalid"), AccessToken = Secret.From("T"), Transport = () => new HugeUnauthorized(),
                Retry = new Http.RetryOptions { MaxRetries = 0 }, Clock = new RingOut.Emulator.VirtualClock { AutoAdvance = true },
            });
            var seen = 0;
            using var observing = RingCentralSession.ObserveExchanges(_ => seen++, captureBodies: debug);
            var before = GC.GetTotalMemory(true);
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => session.GetCallAsync("1"));
            var grown = GC.GetTotalMemory(false) - before;
            Assert.True(grown < 20L * 1024 * 1024, $"memory grew by {grown / 1024 / 1024} MB");
            Assert.Equal(1, seen);
        }

        /// <summary>A stream of spaces of a given length, made as it is read.</summary>
        private sealed class EndlessStream : System.IO.Stream
        {
            private long _left;
            public EndlessStream(long length) { _left = length; }
            public override int Read(byte[] buffer, int offset, int count)
            {
                var n = (int)Math.Min(count, _left);
                Array.Fill(buffer, (byte)' ', offset, n);
                _left -= n;
                return n;
            }
            public override bool CanRead => true; public override bool CanSeek => false; public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException(); public override long Position { get => 0; set => throw new NotSupportedException(); }
            public override void Flush() { } public override long Seek(long o, System.IO.SeekOrigin s) => throw new NotSupportedException();
            public override void SetLength(long v) => throw new NotSupportedException(); public override void Write(byte[] b, int o, int c) => throw new NotSupportedException();
        }

        [Fact]
        public async Task Random_mutations_of_a_call_body_parse_or_fail_cleanly()
        {
            var random = new Random(7);
            const string valid = "{\"id\":2343434340,\"uri\":\"https://x/restapi/v1.0/account/1/extension/2/ringout/2343434340\",\"status\":{\"callStatus\":\"InProgress\",\"callerStatus\":\"Success\",\"calleeStatus\":\"InProgress\"}}";
            var body = valid;
            using var session = await ConnectTo(() => new StringContent(body, Encoding.UTF8, "application/json"));
            for (var i = 0; i < 2_000; i++)
            {
                var chars = valid.ToCharArray();
                for (var k = random.Next(1, 6); k > 0; k--) chars[random.Next(chars.Length)] = "{}[]\":,0a\\ "[random.Next(11)];
                body = new string(chars);
                try { await session.GetCallAsync("1"); }
                catch (RingCentralProtocolException) { }
            }
        }

        /// <summary>A notification of the session's subscription whose event has <paramref name="parties"/> parties, each with a reason of <paramref name="reason"/> characters.</summary>
        private static string FatNotification(string subscriptionId, int n, int parties, int reason) =>
            $"[{{\"type\":\"ServerNotification\",\"messageId\":\"m{n}\"}},{{\"subscriptionId\":\"{subscriptionId}\",\"body\":{{\"telephonySessionId\":\"s-{n}\",\"sequence\":{n},\"origin\":{{\"type\":\"Call\"}},\"parties\":[" +
            string.Join(",", Enumerable.Range(0, parties).Select(i => $"{{\"to\":{{\"phoneNumber\":\"+1415{i:D7}\"}},\"status\":{{\"code\":\"Setup\",\"reason\":\"{new string('r', reason - 1)}{i % 10}\"}}}}")) + "]}}]";

        private static async Task<long> RetainedAfterAsync(Func<string, int, string> frame, int count)
        {
            using var rig = await Rig.StartAsync();
            var opened = new List<BrokenServerTests.TamperedSocket>();
            using var session = await RingCentralSession.ConnectAsync(rig.Options(configure: o => o.EventSocket = BrokenServerTests.Tampered(rig.Emulator, f => f, opened)));
            var channel = await session.TelephonyEventsAsync();
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            var before = GC.GetTotalMemory(true);
            for (var i = 1; i <= count; i++)
            {
                opened.Last().Injected.Enqueue(frame(channel.SubscriptionId!, i));
                if (i % 4 == 0) await channel.KeepAliveAndReadAsync(0, null, CancellationToken.None);
            }
            var (events, _, _) = await channel.KeepAliveAndReadAsync(0, null, CancellationToken.None);
            Assert.All(events, e => Assert.InRange(e.Parties.Count, 0, 16));
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            var retained = GC.GetTotalMemory(true) - before;
            GC.KeepAlive(channel);
            return retained;
        }

        [Fact]
        public async Task Three_hundred_notifications_of_a_megabyte_keep_a_few_megabytes_not_hundreds()
        {
            // 14,000 parties apiece (1.1 MB): the channel keeps 16 parties of an event, as the call log keeps 16 legs (it kept 666 MB).
            var retained = await RetainedAfterAsync((id, n) => FatNotification(id, n, 14_000, 8), 300);
            Assert.InRange(retained, long.MinValue, 64L * 1024 * 1024);
        }

        [Fact]
        public async Task Events_of_the_longest_strings_kept_are_bounded_by_their_bytes_not_only_their_count()
        {
            // 8,000 events of 16 parties whose reasons are 256 characters (the longest kept): within the count bound, so
            // only the bound of bytes (32 MB) holds them (they were kept whole: about 90 MB; 220 MB at the count bound).
            var retained = await RetainedAfterAsync((id, n) => FatNotification(id, n, 16, 256), 8_000);
            Assert.InRange(retained, long.MinValue, 48L * 1024 * 1024);
        }

        [Fact]
        public void An_event_keeps_16_parties_and_no_string_past_256_characters()
        {
            using var doc = System.Text.Json.JsonDocument.Parse(FatNotification("sub", 1, 100, 300));
            var e = TelephonyEvent.Read(doc.RootElement[1].GetProperty("body"));
            Assert.Equal(16, e.Parties.Count);
            Assert.All(e.Parties, p => Assert.Null(p.Reason));
            Assert.Equal("+14150000015", e.Parties[15].To);
            Assert.Equal("s-1", e.TelephonySessionId);
        }
    }
}
