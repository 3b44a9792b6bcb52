using System;
using System.Collections.Generic;

namespace RingOut.Emulator
{
    /// <summary>What an emulated call does. Chosen by the numbers in <see cref="ScenarioNumbers"/>.</summary>
    public enum CallScenario
    {
        /// <summary>Both legs answer; the call connects, lasts the talk time, and both legs finish.</summary>
        Connects,
        /// <summary>The callee answers only after a long ring (<see cref="EmulatorOptions.LongRingDelay"/>).</summary>
        LongRing,
        CalleeBusy,
        CalleeNoAnswer,
        CalleeRejects,
        CalleeGenericError,
        InternationalDisabled,
        CallerBusy,
        CallerNoAnswer,
        CallerGenericError,
        /// <summary>An internal platform failure: callStatus NoAnsweringMachine.</summary>
        InternalFailure,
    }

    /// <summary>
    /// The documented scenario numbers (fictional 555-01xx numbers). A <c>to</c> number in the first group, or a
    /// <c>from</c> number in the second, makes the call behave as named; any other valid number connects.
    /// </summary>
    public static class ScenarioNumbers
    {
        public const string CalleeBusy = "+16505550101";
        public const string CalleeNoAnswer = "+16505550102";
        public const string CalleeRejects = "+16505550103";
        public const string CalleeGenericError = "+16505550104";
        public const string InternationalDisabled = "+16505550105";
        public const string LongRing = "+16505550106";
        public const string InternalFailure = "+16505550109";
        public const string CallerBusy = "+16505550111";
        public const string CallerNoAnswer = "+16505550112";
        public const string CallerGenericError = "+16505550113";

        /// <summary>Destination numbers and what they do.</summary>
        public static IReadOnlyDictionary<string, CallScenario> Destinations { get; } = new Dictionary<string, CallScenario>
        {
            [CalleeBusy] = CallScenario.CalleeBusy,
            [CalleeNoAnswer] = CallScenario.CalleeNoAnswer,
            [CalleeRejects] = CallScenario.CalleeRejects,
            [CalleeGenericError] = CallScenario.CalleeGenericError,
            [InternationalDisabled] = CallScenario.InternationalDisabled,
            [LongRing] = CallScenario.LongRing,
            [InternalFailure] = CallScenario.InternalFailure,
        };

        /// <summary>Caller (from) numbers and what they do.</summary>
        public static IReadOnlyDictionary<string, CallScenario> Callers { get; } = new Dictionary<string, CallScenario>
        {
            [CallerBusy] = CallScenario.CallerBusy,
            [CallerNoAnswer] = CallScenario.CallerNoAnswer,
            [CallerGenericError] = CallScenario.CallerGenericError,
        };

        /// <summary>The scenario for a call between two numbers (either may be written with or without '+').</summary>
        public static CallScenario For(string from, string to)
        {
            if (from != null && Callers.TryGetValue(Canonical(from), out var c)) return c;
            if (to != null && Destinations.TryGetValue(Canonical(to), out var d)) return d;
            return CallScenario.Connects;
        }

        internal static string Canonical(string number) =>
            number.StartsWith("+", StringComparison.Ordinal) ? number : "+" + number;
    }
}
