using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace RingOut.Emulator
{
    /// <summary>The telephony session events a subscription is sent: each call's, as its parties' statuses change.</summary>
    public sealed partial class RingCentralEmulator
    {
        /// <summary>The telephony events of the state's subscriptions that are due at the clock's time and not yet sent.</summary>
        internal List<JsonObject> DueNotifications(WsState state)
        {
            var now = Clock.GetUtcNow();
            var result = new List<JsonObject>();
            lock (_gate)
            {
                foreach (var sub in state.Subscriptions.ToList())
                {
                    if (sub.Deleted) continue;
                    var until = now < sub.ExpiresAt ? now : sub.ExpiresAt;
                    foreach (var call in _calls.Of(sub.Owner).Where(c => !sub.Done.Contains(c.Id) && c.CreatedAt <= until))
                    {
                        var events = Events(call);
                        sub.Sent.TryGetValue(call.Id, out var sent);
                        for (var i = sent; i < events.Count && events[i].at <= until; i++)
                        {
                            if (events[i].at < sub.CreatedAt) { sent = i + 1; continue; } // before the subscription: never sent
                            result.Add(new JsonObject
                            {
                                ["uuid"] = Guid.NewGuid().ToString(),
                                ["event"] = sub.Filters[0],
                                ["timestamp"] = Iso(now),
                                ["subscriptionId"] = sub.Id,
                                ["ownerId"] = sub.Owner.ExtensionId,
                                ["body"] = events[i].body,
                            });
                            sent = i + 1;
                        }
                        sub.Sent[call.Id] = sent;
                        if (sent == events.Count && now >= call.EndedAt) sub.Done.Add(call.Id);
                    }
                }
            }
            return result;
        }

        /// <summary>Marks the events of <paramref name="sub"/>'s calls up to <paramref name="now"/> as sent: they are not sent later.</summary>
        private void SkipTo(EmulatedSubscription sub, DateTimeOffset now)
        {
            foreach (var call in _calls.Of(sub.Owner).Where(c => !sub.Done.Contains(c.Id)))
                sub.Sent[call.Id] = Events(call).TakeWhile(e => e.at <= now).Count();
        }

        /// <summary>A call's telephony events: one at each moment a party's status changes, numbered by sequence.</summary>
        private static List<(DateTimeOffset at, JsonObject body)> Events(EmulatedCall call)
        {
            var events = new List<(DateTimeOffset, JsonObject)>();
            string? last = null;
            foreach (var at in call.ChangePoints())
            {
                var session = SessionBody(call, at);
                var parties = (JsonArray)session["parties"]!;
                var key = string.Join("|", parties.Select(p => p?["status"]?.ToJsonString()));
                if (key == last) continue;
                last = key;
                events.Add((at, new JsonObject
                {
                    ["sequence"] = events.Count + 1,
                    ["sessionId"] = call.SessionId,
                    ["telephonySessionId"] = call.TelephonySessionId,
                    ["serverId"] = "emulator.ringout",
                    ["eventTime"] = Iso(at),
                    ["origin"] = new JsonObject { ["type"] = "RingOut" },
                    ["parties"] = parties.DeepClone(),
                }));
            }
            return events;
        }
    }
}
