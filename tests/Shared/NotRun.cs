using System;
using System.IO;

namespace RingOut.Tests.Shared
{
    /// <summary>
    /// The one writer of out/not-run.txt: a test that cannot run here lists itself, one line each,
    /// "what|what it needs to run|the test". The solution's last target (after.RingOut.PowerShell.sln.targets) and .ci/run
    /// read the list and end the test command with one loud NOT RUN line.
    /// </summary>
    public static class NotRun
    {
        private static readonly object Gate = new object();

        public static void Record(string repositoryRoot, string what, string needs, string test)
        {
            var list = Path.Combine(repositoryRoot, "out", "not-run.txt");
            lock (Gate)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(list)!);
                File.AppendAllText(list, $"{what}|{needs}|{test}" + Environment.NewLine);
            }
        }
    }
}
