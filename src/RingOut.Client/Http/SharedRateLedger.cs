using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;

namespace RingOut.Client.Http
{
    /// <summary>
    /// The file through which the rate budgets of one user and app on one computer pace together (several scheduled
    /// tasks, several pwsh processes): RingCentral counts their requests as one. It holds, per group, the block after
    /// a 429 and each request in the window (an id and a time), one line each; nothing secret. Each use holds the
    /// file exclusively for the moment it is read and written back. Times are the sessions' clocks' (UTC ticks), so
    /// only budgets on one clock may share a file.
    /// </summary>
    internal sealed class SharedRateLedger
    {
        /// <summary>How long to keep trying for a file that another process holds (each holds it for a moment).</summary>
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

        /// <summary>
        /// One gate per file in the process: the sessions of one process that share a file (runspaces, thread jobs)
        /// take turns at it here, waiting on a lock instead of retrying the file.
        /// </summary>
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, object> Gates =
            new System.Collections.Concurrent.ConcurrentDictionary<string, object>(StringComparer.Ordinal);

        private readonly object _gate;

        public SharedRateLedger(string path)
        {
            Path = path;
            string key;
            try { key = System.IO.Path.GetFullPath(path); }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is PathTooLongException || e is System.Security.SecurityException) { key = path; }
            _gate = Gates.GetOrAdd(key, _ => new object());
        }

        public string Path { get; }

        /// <summary>An id for a request's slot, unique among the processes sharing a file.</summary>
        public static long NewId() => BitConverter.ToInt64(Guid.NewGuid().ToByteArray(), 0);

        /// <summary>
        /// The default file for a user and app at a server: in the user's local application data (the temporary
        /// folder where there is none), named by a hash of the three.
        /// </summary>
        public static string DefaultPath(Uri server, string? clientId, string? accountId, string? extensionId)
        {
            var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            if (string.IsNullOrEmpty(root)) root = System.IO.Path.GetTempPath();
            using var sha = SHA256.Create();
            var hash = sha.ComputeHash(Encoding.UTF8.GetBytes($"{server.GetLeftPart(UriPartial.Authority).ToLowerInvariant()}|{clientId}|{accountId}|{extensionId}"));
            var name = BitConverter.ToString(hash, 0, 12).Replace("-", "").ToLowerInvariant();
            return System.IO.Path.Combine(root, "RingOut", "rate-limits", name + ".ledger");
        }

        /// <summary>What the file holds, while it is held.</summary>
        internal sealed class Contents
        {
            private readonly Dictionary<RateGroup, (DateTimeOffset blocked, List<(long id, DateTimeOffset at)> slots)> _groups =
                new Dictionary<RateGroup, (DateTimeOffset, List<(long, DateTimeOffset)>)>();

            public bool Changed { get; private set; }

            /// <summary>Puts the file's block and requests of the group into the bucket.</summary>
            public void Load(RateGroup group, RateBudget.Bucket b)
            {
                if (!_groups.TryGetValue(group, out var g)) return;
                if (g.blocked > b.BlockedUntil) b.BlockedUntil = g.blocked;
                var sent = new Queue<RateBudget.Slot>();
                foreach (var (id, at) in g.slots) sent.Enqueue(new RateBudget.Slot { Id = id, At = at });
                b.Sent = sent;
            }

            /// <summary>Writes the bucket's block and requests as the group's.</summary>
            public void Store(RateGroup group, RateBudget.Bucket b)
            {
                var slots = new List<(long, DateTimeOffset)>();
                foreach (var s in b.Sent) slots.Add((s.Id, s.At));
                _groups[group] = (b.BlockedUntil, slots);
                Changed = true;
            }

            /// <summary>Adds what a budget knew before it shared (its requests and its block) to the group's.</summary>
            public void Merge(RateGroup group, RateBudget.Bucket b)
            {
                var (blocked, slots) = _groups.TryGetValue(group, out var g) ? g : (default(DateTimeOffset), new List<(long, DateTimeOffset)>());
                if (b.BlockedUntil > blocked) blocked = b.BlockedUntil;
                var known = new HashSet<long>();
                foreach (var (id, _) in slots) known.Add(id);
                foreach (var s in b.Sent)
                {
                    if (known.Add(s.Id)) slots.Add((s.Id, s.At));
                }
                slots.Sort((x, y) => x.Item2.CompareTo(y.Item2));
                _groups[group] = (blocked, slots);
                Changed = true;
            }

            public void Read(TextReader reader)
            {
                string? line;
                while ((line = reader.ReadLine()) != null)
                {
                    // "<group> blocked <ticks>" or "<group> sent <id> <ticks>"; a line that does not read is left out.
                    var w = line.Split(' ');
                    if (w.Length < 3 || !Enum.TryParse<RateGroup>(w[0], out var group)) continue;
                    if (!_groups.TryGetValue(group, out var g)) g = (default(DateTimeOffset), new List<(long, DateTimeOffset)>());
                    if (w[1] == "blocked" && w.Length == 3 && Ticks(w[2]) is DateTimeOffset blocked) g.blocked = blocked;
                    else if (w[1] == "sent" && w.Length == 4 && long.TryParse(w[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) && Ticks(w[3]) is DateTimeOffset at)
                        g.slots.Add((id, at));
                    _groups[group] = g;
                }
            }

            public void Write(TextWriter writer)
            {
                foreach (var pair in _groups)
                {
                    writer.Write($"{pair.Key} blocked {pair.Value.blocked.UtcTicks.ToString(CultureInfo.InvariantCulture)}\n");
                    foreach (var (id, at) in pair.Value.slots)
                        writer.Write($"{pair.Key} sent {id.ToString(CultureInfo.InvariantCulture)} {at.UtcTicks.ToString(CultureInfo.InvariantCulture)}\n");
                }
            }

            private static DateTimeOffset? Ticks(string s) =>
                long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var t) && t >= DateTimeOffset.MinValue.UtcTicks && t <= DateTimeOffset.MaxValue.UtcTicks
                    ? new DateTimeOffset(t, TimeSpan.Zero) : (DateTimeOffset?)null;
        }

        /// <summary>
        /// Holds the file exclusively, reads it, runs <paramref name="use"/>, and writes it back if it changed.
        /// False when the file cannot be used (no folder may be made, no access, held by another for too long).
        /// </summary>
        public bool Update(Action<Contents> use)
        {
            lock (_gate) return UpdateFile(use);
        }

        private bool UpdateFile(Action<Contents> use)
        {
            FileStream? file = null;
            try
            {
                var started = DateTime.UtcNow;
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
                while (file == null)
                {
                    try
                    {
                        file = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                    }
                    catch (IOException e) when (!(e is DirectoryNotFoundException || e is FileNotFoundException || e is PathTooLongException) && DateTime.UtcNow - started < Patience)
                    {
                        // Another process holds it for the moment it takes to read and write it.
                        Thread.Sleep(1);
                    }
                }
                var contents = new Contents();
                using (var reader = new StreamReader(file, new UTF8Encoding(false), false, 4096, leaveOpen: true)) contents.Read(reader);
                use(contents);
                if (contents.Changed)
                {
                    file.Position = 0;
                    using (var writer = new StreamWriter(file, new UTF8Encoding(false), 4096, leaveOpen: true)) contents.Write(writer);
                    file.SetLength(file.Position);
                }
                return true;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException || e is System.Security.SecurityException)
            {
                return false;
            }
            finally
            {
                file?.Dispose();
            }
        }
    }
}
