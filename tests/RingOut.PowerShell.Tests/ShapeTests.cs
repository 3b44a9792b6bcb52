using System;
using System.IO;
using System.Linq;
using Xunit;

namespace RingOut.PowerShell.Tests
{
    /// <summary>The shape of the shipped source: files a newcomer can read, and decisions that have one home.</summary>
    public sealed class ShapeTests
    {
        private static readonly string Src = Path.Combine(PowerShellHost.RepositoryRoot, "src");


        private static string[] ShippedSources() =>
            Directory.EnumerateFiles(Src, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
                .ToArray();

        private static string Relative(string file) => Path.GetRelativePath(Src, file).Replace(Path.DirectorySeparatorChar, '/');

        [Fact]
        public void No_shipped_CSharp_file_is_over_300_lines()
        {
            var over = ShippedSources().Where(f => File.ReadLines(f).Count() > 300).Select(Relative).OrderBy(f => f, StringComparer.Ordinal).ToArray();
            Assert.Empty(over);
        }

        [Fact]
        public void The_emulator_reads_the_tilde_of_a_path_in_one_place()
        {
            var readers = ShippedSources().Where(f => Relative(f).StartsWith("RingOut.Emulator/", StringComparison.Ordinal) && File.ReadAllText(f).Contains("\"~\""))
                .Select(Relative).ToArray();
            Assert.Equal(new[] { "RingOut.Emulator/Accounts.cs" }, readers);
        }

        [Fact]
        public void Every_failure_the_client_classifies_has_a_RingOut_ErrorId()
        {
            // The classifier (Failures.Classify) and the cmdlets' mapping (ErrorMapping.For) are two homes of one
            // question, "is this one of the client's failures": a TimeoutException, a WebSocketException, an IOException
            // and PlatformNotSupportedException were the client's (transient or permanent) but had no ErrorId, so a
            // wait that met one wrote "Not one of the client's failures".
            using var ps = new PowerShellHost(); // the module imported: its assemblies loaded as a user's session loads them
            ps.Ok("Connect-RingCentral -Environment Emulator -VirtualTime");
            Type Find(string name) => AppDomain.CurrentDomain.GetAssemblies().Select(x => x.GetType(name)).First(t => t != null)!;
            const System.Reflection.BindingFlags Any = System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static;
            var map = Find("RingOut.PowerShell.ErrorMapping").GetMethod("For", Any)!;
            var classify = Find("RingOut.Client.Failures").GetMethod("Classify", Any)!;
            Exception Client(string type, params object[] args) => (Exception)Activator.CreateInstance(Find("RingOut.Client." + type), args)!;
            var samples = new[]
            {
                new TimeoutException("t"), new System.Net.WebSockets.WebSocketException("w"), new IOException("i"),
                new PlatformNotSupportedException("p"), new System.Net.Http.HttpRequestException("h"), new ObjectDisposedException("s"),
                Client("RingCentralProtocolException", "x", null), Client("RingOutEventsUnavailableException", "e"), Client("RingOutHangUpException", "h", false),
            };
            var unmapped = samples.Where(e => classify.Invoke(null, new object[] { e })!.ToString() != "Bug")
                .Where(e => map.Invoke(null, new object[] { e, null, null }) == null).Select(e => e.GetType().Name).ToArray();
            Assert.Empty(unmapped);
        }
    }
}
