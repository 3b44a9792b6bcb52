using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Runtime.CompilerServices;

namespace RingOut.PowerShell
{
    /// <summary>
    /// A row without the property a string parameter is bound by (a CSV with a Mobile column, or a semicolon-separated
    /// file read with Import-Csv's comma) would otherwise be bound by value, as its string "@{Name=…; Mobile=…}", and
    /// refused with a misleading reason. On such a parameter, this turns the row into a marker that stands for it, so
    /// that the cmdlet can say what the row lacks and which properties it has.
    /// </summary>
    internal abstract class RowMarkerAttribute : ArgumentTransformationAttribute
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

        /// <summary>The row a value of the parameter stands for, when it is one.</summary>
        public static bool TryGetRow(string value, out PSObject row) => Rows.TryGetValue(value, out row!);

        /// <summary>Whether a row lacks every property the parameter is bound by.</summary>
        protected abstract bool Lacks(PSObject row);

        /// <summary>A PSCustomObject without the property: bound by it, it would have been.</summary>
        private bool IsRow(object o) => o is PSObject { BaseObject: PSCustomObject } row && Lacks(row);

        private static string Mark(PSObject row)
        {
            var marker = new string(' ', 1); // a new instance each time: the table keys on the instance
            Rows.Add(marker, row);
            return marker;
        }

        /// <summary>The row's property names, in order.</summary>
        public static IReadOnlyList<string> PropertiesOf(PSObject row) => row.Properties.Select(p => p.Name).ToList();
    }

    /// <summary>On -Id: a row with no Id (nor RingOutId), such as a row of the calls to place rather than of calls placed (RingOut.InvalidCallId, saying so).</summary>
    internal sealed class CallIdPropertyAttribute : RowMarkerAttribute
    {
        /// <summary>The names -Id is bound by, from a property.</summary>
        public const string Id = "Id", RingOutId = "RingOutId";

        protected override bool Lacks(PSObject row) => row.Properties[Id] == null && row.Properties[RingOutId] == null;
    }

    /// <summary>On -To: a row with no number property (RingOut.NoPhoneNumberProperty).</summary>
    internal sealed class NumberPropertyAttribute : RowMarkerAttribute
    {

        /// <summary>The names -To is bound by, from a property: its own and its aliases (on New-RingOutCall's To).</summary>
        public const string To = "To", PhoneNumber = "PhoneNumber", Phone = "Phone", Number = "Number", Destination = "Destination";

        /// <summary>Every name a row's number may have, To first: New-RingOutCall's -To and its aliases, and Invoke-RingOutBatch's column.</summary>
        public static readonly IReadOnlyList<string> Names = new[] { To, PhoneNumber, Phone, Number, Destination };

        /// <summary>The property of a row that holds its number (the first of <see cref="Names"/> it has), or null.</summary>
        public static PSPropertyInfo? NumberOf(PSObject row) => Names.Select(n => row.Properties[n]).FirstOrDefault(p => p != null);

        protected override bool Lacks(PSObject row) => NumberOf(row) == null;

        /// <summary>The names, for messages.</summary>
        public static string NamesText => string.Join(", ", Names.Skip(1).Take(Names.Count - 2)) + " or " + Names[Names.Count - 1];
    }
}
