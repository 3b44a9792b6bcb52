#nullable enable
using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using RingOut.Client.Http;
using Xunit;

namespace RingOut.Client.Tests
{
    /// <summary>The parts of <see cref="RateLimitRetryHandler"/>, each on its own: the waits, what a failed attempt was, what the caller is told.</summary>
    public sealed class RetryHandlerPartsTests
    {
        private static readonly Uri Server = new Uri("https://platform.ringcentral.com");

        [Fact]
        public void A_backoff_doubles_from_the_first_to_the_longest_within_20_percent()
        {
            var o = new RetryOptions { InitialBackoff = TimeSpan.FromSeconds(2), MaxBackoff = TimeSpan.FromSeconds(60) };
            Assert.Equal(TimeSpan.FromSeconds(2), RetryPolicy.Backoff(0, o, 0.5));
            Assert.Equal(TimeSpan.FromSeconds(1.6), RetryPolicy.Backoff(0, o, 0));
            Assert.Equal(TimeSpan.FromSeconds(9.6), RetryPolicy.Backoff(2, o, 1));
            Assert.Equal(TimeSpan.FromSeconds(60), RetryPolicy.Backoff(10, o, 0.5));
            Assert.Equal(TimeSpan.FromSeconds(48), RetryPolicy.Backoff(1000, o, 0));
        }

        [Fact]
        public void A_penalty_is_spread_by_the_margin_then_at_random_over_one_two_and_at_most_four_more_penalties()
        {
            var penalty = TimeSpan.FromSeconds(60);
            var margin = TimeSpan.FromSeconds(3);
            Assert.Equal(margin, RetryPolicy.Spread(penalty, 1, margin, 1));
            Assert.Equal(margin + penalty, RetryPolicy.Spread(penalty, 2, margin, 1));
            Assert.Equal(margin + TimeSpan.FromSeconds(60), RetryPolicy.Spread(penalty, 3, margin, 0.5));
            Assert.Equal(margin + TimeSpan.FromSeconds(240), RetryPolicy.Spread(penalty, 4, margin, 1));
            Assert.Equal(margin + TimeSpan.FromSeconds(240), RetryPolicy.Spread(penalty, 50, margin, 1));
            Assert.Equal(margin, RetryPolicy.Spread(penalty, 50, margin, 0));
        }

        [Fact]
        public void A_failed_attempt_is_never_sent_only_when_the_connection_was_never_made()
        {
            HttpRequestException Socket(SocketError e) => new HttpRequestException("x", new SocketException((int)e));
            Assert.Equal(AttemptOutcome.NotSent, AttemptFailures.Classify(Socket(SocketError.ConnectionRefused)));
            Assert.Equal(AttemptOutcome.NotSent, AttemptFailures.Classify(Socket(SocketError.NetworkUnreachable)));
            Assert.Equal(AttemptOutcome.NoSuchHost, AttemptFailures.Classify(Socket(SocketError.HostNotFound)));
            Assert.Equal(AttemptOutcome.Lost, AttemptFailures.Classify(Socket(SocketError.ConnectionReset)));
            Assert.Equal(AttemptOutcome.Lost, AttemptFailures.Classify(new HttpRequestException("x", new IOException("reset"))));
            Assert.Equal(AttemptOutcome.Lost, AttemptFailures.Classify(new IOException("reset")));
            // A time limit that ran out after sending, whatever lies under it, is lost, not "never sent".
            Assert.Equal(AttemptOutcome.Lost, AttemptFailures.Classify(new TaskCanceledExceptionWith(new SocketException((int)SocketError.ConnectionRefused))));
            Assert.Equal(AttemptOutcome.TooLarge, AttemptFailures.Classify(new BoundedContent.TooLargeException(BoundedContent.MaxBytes)));
            Assert.Equal(AttemptOutcome.Lost, AttemptFailures.Classify(new HttpRequestException("no inner")));
        }

        private sealed class TaskCanceledExceptionWith : OperationCanceledException
        {
            public TaskCanceledExceptionWith(Exception inner) : base("timed out", inner) { }
        }

        [Fact]
        public void A_gateways_answer_to_a_call_is_an_unknown_outcome_that_names_the_status_and_the_request_id()
        {
            var e = AttemptFailures.For(Verdict.OutcomeUnknown, "placing a RingOut call to +14155550123",
                new Attempt { Outcome = AttemptOutcome.Answered, Status = 502 }, null, new AttemptFailures.Answer(null, "req-1"), TimeSpan.FromSeconds(30), Server);
            var unknown = Assert.IsType<RingOutOutcomeUnknownException>(e);
            Assert.Equal("While placing a RingOut call to +14155550123, the answer was HTTP 502 without RingCentral's error body (RCRequestId req-1), which does not prove that nothing was done. RingCentral may or may not have acted on it, and it was not sent again.", unknown.Message);
        }

        [Fact]
        public void A_lost_answer_to_a_call_says_it_did_not_come_in_time()
        {
            var timeout = new OperationCanceledException();
            var e = AttemptFailures.For(Verdict.OutcomeUnknown, "placing a RingOut call to +1", new Attempt { Outcome = AttemptOutcome.Lost }, timeout, null, TimeSpan.FromSeconds(30), Server);
            Assert.StartsWith("While placing a RingOut call to +1, no answer came within 30 s.", e.Message);
            Assert.Same(timeout, e.InnerException);
        }

        [Fact]
        public void A_redirect_names_where_it_pointed_and_is_not_followed()
        {
            var e = AttemptFailures.For(Verdict.Redirected, "reading RingOut call 1", new Attempt { Outcome = AttemptOutcome.Answered, Status = 302 },
                null, new AttemptFailures.Answer(new Uri("/elsewhere", UriKind.Relative), null), TimeSpan.FromSeconds(30), Server);
            Assert.IsType<RingCentralRedirectException>(e);
            Assert.Contains("a redirect to /elsewhere on platform.ringcentral.com", e.Message);
        }

        [Fact]
        public void A_read_given_up_after_timeouts_says_how_many_times_and_a_transport_failure_is_kept_as_it_is()
        {
            var e = AttemptFailures.For(Verdict.Fail, "reading RingOut call 1", new Attempt { Outcome = AttemptOutcome.Lost, Retries = 5 },
                new OperationCanceledException(), null, TimeSpan.FromSeconds(30), Server);
            Assert.Equal("RingCentral did not answer within 30 s while reading RingOut call 1, 6 times.", e.Message);
            var refused = new HttpRequestException("refused");
            Assert.Same(refused, AttemptFailures.For(Verdict.Fail, "x", new Attempt { Outcome = AttemptOutcome.NotSent }, refused, null, TimeSpan.FromSeconds(30), Server));
        }

        [Theory]
        [InlineData("7", 7)]
        [InlineData(" 0 ", 0)]
        [InlineData("-1", null)]
        [InlineData("many", null)]
        [InlineData("99999999999", null)]
        [InlineData(null, null)]
        public void What_is_shown_of_the_requests_left_is_the_checked_header_or_nothing(string? header, int? shown)
        {
            using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
            if (header != null) response.Headers.TryAddWithoutValidation("X-Rate-Limit-Remaining", header);
            Assert.Equal(shown, ServerValues.RemainingShown(response));
            using var answer = new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes("{\"errorCode\":\"CMN-301\"}")) };
            if (header != null) answer.Headers.TryAddWithoutValidation("X-Rate-Limit-Remaining", header);
            Assert.Equal(shown, RingCentralApiException.From(answer, System.Text.Encoding.UTF8.GetBytes("{\"errorCode\":\"CMN-301\"}"), "reading", new SecretRedactor()).RateLimitRemaining);
        }
    }
}
