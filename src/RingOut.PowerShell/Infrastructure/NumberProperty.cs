using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Runtime.CompilerServices;

namespace RingOut.PowerShell
{
    /// <summary>
    /// A row with no number property (a CSV with a Mobile column, or a semicolon-separated file read with Import-Csv's
    /// comma) that would otherwise be bound to -To by value, as its string "@{Name=…; Mobile=…}", and refused as a
    /// phone number with a misleading reason. On -To, this turns such a row into a marker that stands for it, so that
    /// the cmdlet can say what the row lacks and which properties it has (RingOut.NoPhoneNumberProperty).
    /// </summary>
    internal sealed class NumberPropertyAttribute : ArgumentTransformationAttribute
    {
        // The marker strings, each standing for its row, for as long as the marker lives.
        private static readonly ConditionalWeakTable<string, PSObject> Rows = new ConditionalWeakTable<string, PSObject>();

        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            if (IsRow(inputData)) return new[] { Mark((PSObject)inputData) };
            if (inputData is PSObject { BaseObject: IList list } && list.Cast<object>().Any(IsRow))
                return list.Cast<object>().Select(o => IsRow(o) ? Mark((PSObject)o) : o).ToArray();
            return inputData;
        }

        /// <summary>The row a value of -To stands for, when it is one.</summary>
        public static bool TryGetRow(string value, out PSObject row) => Rows.TryGetValue(value, out row!);

        /// <summary>The names -To is bound by, from a property: its own and its aliases (on New-RingOutCall's To).</summary>
        public const string To = "To", PhoneNumber = "PhoneNumber", Phone = "Phone", Number = "Number", Destination = "Destination";

        private static readonly string[] Names = { To, PhoneNumber, Phone, Number, Destination };

        /// <summary>A PSCustomObject with none of the names: bound by its properties it would have been.</summary>
        private static bool IsRow(object o) =>
            o is PSObject { BaseObject: PSCustomObject } row && !row.Properties.Any(p => Names.Contains(p.Name, System.StringComparer.OrdinalIgnoreCase));

        /// <summary>The names, for messages.</summary>
        public static string NamesText => string.Join(", ", Names.Skip(1).Take(Names.Length - 2)) + " or " + Names.Last();

        private static string Mark(PSObject row)
        {
            var marker = new string(' ', 1); // a new instance each time: the table keys on the instance
            Rows.Add(marker, row);
            return marker;
        }

        /// <summary>The row's property names, in order.</summary>
        public static IReadOnlyList<string> PropertiesOf(PSObject row) => row.Properties.Select(p => p.Name).ToList();
    }
}
