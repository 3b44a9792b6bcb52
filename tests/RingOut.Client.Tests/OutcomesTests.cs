using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client;
using RingOut.Emulator;
using Xunit;

namespace RingOut.Client.Tests
{
    /// <summary>The watcher's parts (issue 27 item 3), each on its own: the poll scheduler, the budget spreader, the event linker's memory, the call-log batcher.</summary>
    public sealed class OutcomesTests
    {
        private static async Task<List<RingOutCall>> PlaceAsync(Rig rig, int count)
        {
            var calls = new List<RingOutCall>();
            for (var i = 0; i < count; i++) calls.Add(await rig.Session.PlaceCallAsync(new RingOutCallRequest { To = "+1415555020" + i }));
            return calls;
        }

        [Fact]
        public async Task The_poll_scheduler_gives_what_is_due_soonest_first_ties_in_the_order_added()
        {
            using var rig = await Rig.StartAsync();
            var calls = await PlaceAsync(rig, 3);
            var t = rig.Clock.GetUtcNow();
            var schedule = new PollSchedule();
            var followed = calls.Select((c, i) => new FollowedCall(c) { NextPoll = t + TimeSpan.FromSeconds(i == 2 ? 1 : 5) }).ToList();
            foreach (var f in followed) schedule.Add(f);
            Assert.Equal(3, schedule.PerSession[rig.Session]);
            Assert.Equal(t + TimeSpan.FromSeconds(1), schedule.NextDue);
            Assert.Equal(new[] { followed[2], followed[0], followed[1] }, schedule.DueBy(t + TimeSpan.FromSeconds(5)));
            Assert.Empty(schedule.DueBy(t));
            schedule.Reschedule(followed[2], t + TimeSpan.FromSeconds(9));
            Assert.Equal(followed[0], schedule.InDueOrder.First());
            schedule.Remove(followed[0]);
            Assert.False(schedule.Contains((rig.Session, calls[0].Id)));
            Assert.Equal(2, schedule.PerSession[rig.Session]);
        }

        [Fact]
        public async Task The_budget_spreader_keeps_a_sessions_polls_within_its_share_of_the_Light_budget()
        {
            using var rig = await Rig.StartAsync();
            var poll = TimeSpan.FromSeconds(3);
            Assert.Equal(poll, PollPacing.Interval(rig.Session, 1, poll, 0.8));
            // 100 calls within 80% of 50 a minute: each polled every 150 s.
            Assert.Equal(TimeSpan.FromSeconds(150), PollPacing.Interval(rig.Session, 100, poll, 0.8));
            Assert.Equal(TimeSpan.FromSeconds(180), PollPacing.Safety(TimeSpan.FromSeconds(90), 1));
            Assert.Equal(PollPacing.MaxSafetyInterval, PollPacing.Safety(TimeSpan.FromSeconds(90), 60));
        }

        private static TelephonyEvent Event(string id, long sequence, DateTimeOffset at, params string[] codes) => new TelephonyEvent
        {
            TelephonySessionId = id, Sequence = sequence, EventTime = at, Origin = "RingOut",
            Parties = codes.Select((c, i) => new TelephonyParty { To = "+1415555030" + i, Code = c }).ToList(),
        };

        [Fact]
        public async Task The_event_linkers_memory_keeps_candidates_times_and_beginnings_and_is_bounded()
        {
            using var rig = await Rig.StartAsync();
            var seen = new SeenSessions();
            var t = rig.Clock.GetUtcNow();
            var key = (rig.Session, "s-1");
            seen.Saw(key, Event("s-1", 2, t + TimeSpan.FromSeconds(5), "Answered", "Answered"), held: false);
            seen.Saw(key, Event("s-1", 1, t, "Setup"), held: false);
            seen.Saw(key, Event("s-1", 3, t + TimeSpan.FromSeconds(25), "Disconnected", "Disconnected"), held: false);
            Assert.True(SeenSessions.ShowsBeginning(seen.FirstOf(key)));
            Assert.Equal((t + TimeSpan.FromSeconds(5), t + TimeSpan.FromSeconds(25)), ((DateTimeOffset, DateTimeOffset))(seen.TimesOf(key).answered.Value, seen.TimesOf(key).ended.Value));
            Assert.True(seen.Claim(key, out var latest));
            Assert.Equal(3, latest.Sequence);
            Assert.Equal(0, seen.UnlinkedCount);
            for (var i = 0; i <= TelephonyEventChannel.MaxEvents; i++) seen.Saw((rig.Session, "d-" + i), Event("d-" + i, 1, t.AddSeconds(i), "Setup"), held: false);
            seen.Prune();
            Assert.Equal(TelephonyEventChannel.MaxEvents / 2, seen.UnlinkedCount);
            Assert.False(seen.TryGetUnlinked((rig.Session, "d-0"), out _)); // the earliest seen went first
        }

        [Fact]
        public async Task The_call_log_batcher_reads_once_for_calls_forgotten_together()
        {
            using var rig = await Rig.StartAsync(new EmulatorOptions { CallLogLag = TimeSpan.FromSeconds(1) });
            var calls = await PlaceAsync(rig, 3);
            rig.Clock.AutoAdvance = false;
            rig.Clock.Advance(TimeSpan.FromMinutes(2)); // over, and in the call log
            rig.Clock.AutoAdvance = true;
            var batcher = new CallLogBatcher(rig.Clock, () => null);
            foreach (var c in calls) batcher.Add(c.AsGone(rig.Clock.GetUtcNow()), rig.Clock.GetUtcNow());
            Assert.Equal(3, batcher.Count);
            Assert.Equal(rig.Clock.GetUtcNow() + batcher.Gather, batcher.NextDue);
            var changed = new List<RingOutCall>();
            var settled = new List<RingOutCall>();
            Assert.Equal(0, await batcher.ReadDueAsync(changed, settled, CancellationToken.None)); // gathering others first
            rig.Clock.AutoAdvance = false;
            rig.Clock.Advance(batcher.Gather);
            Assert.Equal(1, await batcher.ReadDueAsync(changed, settled, CancellationToken.None));
            Assert.Equal(1L, rig.Count("GET", "call-log"));
            Assert.Equal(calls.Select(c => c.Id).OrderBy(x => x), settled.Select(c => c.Id).OrderBy(x => x));
            Assert.All(settled, c => Assert.NotNull(c.CallLog));
            Assert.Equal(0, batcher.Count);
        }
    }
}
