using System;
using System.Globalization;
using System.Management.Automation;

namespace RingOut.PowerShell
{
    /// <summary>
    /// Reads when a call was placed from what scripts keep: a DateTimeOffset or DateTime, ISO 8601 text (a CSV), or
    /// the deserialized DateTimeOffset that Import-Clixml gives back (which PowerShell cannot convert by itself).
    /// </summary>
    public sealed class PlacedAtTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = inputData is PSObject p ? p.BaseObject : inputData;
            switch (value)
            {
                case null: return null;
                case DateTimeOffset t: return t;
                case DateTime d: return d.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)) : new DateTimeOffset(d);
                case string s when s.Trim().Length == 0: return null;
                case string s when DateTimeOffset.TryParse(s.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed): return parsed;
            }
            // Import-Clixml's Deserialized.System.DateTimeOffset: its UtcTicks say the instant exactly.
            if (inputData is PSObject o && o.Properties["UtcTicks"]?.Value is long ticks && ticks >= DateTime.MinValue.Ticks && ticks <= DateTime.MaxValue.Ticks)
                return new DateTimeOffset(ticks, TimeSpan.Zero);
            throw new ArgumentTransformationMetadataException(
                $"'{inputData}' is not a time: give when the call was placed as a date and time, ISO 8601 for example 2026-12-05T11:00:00Z.");
        }
    }
}
