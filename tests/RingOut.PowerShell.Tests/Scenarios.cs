using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace RingOut.PowerShell.Tests
{
    /// <summary>tests/scenarios.json: the scenario numbers and bad inputs that the xunit and Pester suites both read.</summary>
    public static class Scenarios
    {
        private static readonly JsonElement Root =
            JsonDocument.Parse(File.ReadAllText(Path.Combine(PowerShellHost.RepositoryRoot, "tests", "scenarios.json"))).RootElement;

        private static string S(JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.GetProperty(name).GetString();

        /// <summary>(from, to, callStatus, callerStatus, calleeStatus) of every failure scenario.</summary>
        public static TheoryData<string, string, string, string, string> Failures()
        {
            var data = new TheoryData<string, string, string, string, string>();
            foreach (var f in Root.GetProperty("failures").EnumerateArray())
                data.Add(S(f, "from"), S(f, "to"), S(f, "call"), S(f, "caller"), S(f, "callee"));
            return data;
        }

        /// <summary>(command, errorId, target, parameter, because) of every bad input, optionally only one ErrorId's.</summary>
        public static TheoryData<string, string, string, string, string> BadInputs(string errorIdPrefix)
        {
            var data = new TheoryData<string, string, string, string, string>();
            foreach (var b in Root.GetProperty("badInputs").EnumerateArray().Where(b => S(b, "errorId").StartsWith(errorIdPrefix)))
                data.Add(S(b, "command"), S(b, "errorId"), S(b, "target"), S(b, "parameter"), S(b, "because"));
            return data;
        }
    }
}
