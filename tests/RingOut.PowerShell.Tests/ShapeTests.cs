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
    }
}
