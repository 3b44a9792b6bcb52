using System;
using System.Collections.Generic;
using System.Linq;

namespace RingOut.Emulator
{
    /// <summary>
    /// The telephony state: every call placed (each an <see cref="EmulatedCall"/>, whose legs follow the clock), under
    /// the ids RingCentral would give them, and the ways the endpoints find them. Its callers hold the emulator's lock.
    /// </summary>
    internal sealed class CallBook
    {
        private readonly Dictionary<long, EmulatedCall> _calls = new Dictionary<long, EmulatedCall>();
        private long _nextCallId = 2_343_434_340; // beyond Int32, as real ids can be

        /// <summary>A new call of <paramref name="user"/>, placed at <paramref name="now"/>.</summary>
        public EmulatedCall Place(EmulatedUser user, string from, string to, bool playPrompt, DateTimeOffset now, EmulatorOptions options)
        {
            var call = new EmulatedCall(_nextCallId++, user, from, to, playPrompt, now, options);
            _calls[call.Id] = call;
            return call;
        }

        /// <summary>A call by its RingOut id (as the path gives it), or null.</summary>
        public EmulatedCall? ByRingOutId(string? id) => long.TryParse(id, out var n) && _calls.TryGetValue(n, out var call) ? call : null;

        /// <summary>A call of <paramref name="accountId"/> by its telephony session id, or null.</summary>
        public EmulatedCall? ByTelephonySession(string? telephonySessionId, string? accountId) =>
            _calls.Values.FirstOrDefault(c => c.TelephonySessionId == telephonySessionId && c.Owner.AccountId == accountId);

        /// <summary>The calls <paramref name="user"/> placed.</summary>
        public IEnumerable<EmulatedCall> Of(EmulatedUser user) => _calls.Values.Where(c => c.Owner == user);

        /// <summary>Every call, oldest first.</summary>
        public EmulatedCall[] All() => _calls.Values.OrderBy(c => c.Id).ToArray();

        public void Clear() => _calls.Clear();
    }
}
