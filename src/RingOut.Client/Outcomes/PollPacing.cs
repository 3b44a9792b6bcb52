using System;
using RingOut.Client.Http;

namespace RingOut.Client
{
    /// <summary>
    /// The budget spreader: how long a call waits before its next poll. A call polled for its outcome waits the poll
    /// interval, stretched so that all calls pending on a session stay within its share of the Light budget; a call
    /// followed through events is polled only as a safety net, less often each time nothing new was found.
    /// </summary>
    internal static class PollPacing
    {
        /// <summary>The most a safety poll waits.</summary>
        public static readonly TimeSpan MaxSafetyInterval = TimeSpan.FromMinutes(30);

        /// <summary>The poll interval, stretched so that polling <paramref name="onSession"/> calls stays within <paramref name="budgetShare"/> of the session's Light budget.</summary>
        public static TimeSpan Interval(RingCentralSession session, int onSession, TimeSpan pollInterval, double budgetShare)
        {
            var light = session.Budget.State(RateGroup.Light);
            var perMinute = Math.Max(1, light.Limit * budgetShare);
            var spread = TimeSpan.FromTicks((long)(light.Window.Ticks * onSession / perMinute));
            return spread > pollInterval ? spread : pollInterval;
        }

        /// <summary>The safety net's wait after <paramref name="quiet"/> polls that found nothing new: doubling from <paramref name="safetyNet"/>, at most 30 minutes.</summary>
        public static TimeSpan Safety(TimeSpan safetyNet, int quiet)
        {
            var ticks = safetyNet.Ticks * (1L << Math.Min(quiet, 10));
            return TimeSpan.FromTicks(Math.Min(ticks, MaxSafetyInterval.Ticks));
        }
    }
}
