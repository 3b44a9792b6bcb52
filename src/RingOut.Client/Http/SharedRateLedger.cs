using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace RingOut.Client.Http
{
    /// <summary>
    /// The file through which the rate budgets of one user and app on one computer pace together (several scheduled
    /// tasks, several pwsh processes): RingCentral counts their requests as one. It holds, per group, the block after
    /// a 429 and each request in the window (an id and a time), one line each; nothing secret. Each use holds the
    /// file exclusively for the moment it is read and written back. Times are the sessions' clocks' (UTC ticks), so
    /// only budgets on one clock may share a file.
    /// <para>
    /// On a shared computer: the default file is in a folder of the user's own (the local application data; never
    /// the shared temporary folder), made private (0700 on Unix; on Windows it inherits the profile's ACL, which
    /// grants the user, SYSTEM and Administrators only); a link at the file's place is refused, never followed; every
    /// value read from the file is bounded as <see cref="ServerValues"/> bounds a server's, and one out of bounds is
    /// left out (and so dropped from the file at the next write), never believed or spread.
    /// </para>
    /// <para>
    /// Locking: the file is opened with <see cref="FileShare.None"/>. On Windows that is a mandatory share lock: an
    /// open by another process (another session, an antivirus scan, a backup) fails with a sharing violation
    /// (an <see cref="IOException"/>) until the holder closes it. On Unix .NET takes an advisory <c>flock</c> on the
    /// file, which every session of this module takes too, so the two behave alike for the sessions. Either way the
    /// open is tried again, waiting without holding a thread, for <see cref="Patience"/>; then the budget paces alone
    /// for a while and says so.
    /// </para>
    /// </summary>
    internal sealed class SharedRateLedger
    {
        /// <summary>How long to keep trying for a file that another process holds (each holds it for a moment).</summary>
        internal TimeSpan Patience { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>The most of the file that is read: far above what the groups' windows hold.</summary>
        internal const int MaxChars = 1 << 20;

        /// <summary>
        /// The longest block believed from the file: the longest penalty a server may ask for
        /// (<see cref="ServerValues.MaxRetryAfter"/>) and the spread a budget adds after repeated refusals (four more).
        /// </summary>
        internal static readonly TimeSpan MaxBlock = TimeSpan.FromTicks(ServerValues.MaxRetryAfter.Ticks * 6);

        /// <summary>A request is never counted as sent later than now; a little later is the clocks of two processes read a moment apart.</summary>
        internal static readonly TimeSpan MaxAhead = TimeSpan.FromSeconds(1);

        /// <summary>
        /// One gate per file in the process: the sessions of one process that share a file (runspaces, thread jobs)
        /// take turns at it here, waiting without holding a thread, instead of retrying the file.
        /// </summary>
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> Gates =
            new System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim>(StringComparer.Ordinal);

        private readonly SemaphoreSlim _gate;
        /// <summary>The folders of the default path that are the module's own, made private (outermost first).</summary>
        private readonly string[] _ownFolders;

        /// <param name="path">The file.</param>
        /// <param name="ownFolders">Folders on its path that are the module's own and made private even if they exist.</param>
        /// <param name="ownGate">A gate of its own, as another process has (for tests).</param>
        public SharedRateLedger(string path, string[]? ownFolders = null, bool ownGate = false)
        {
            if (string.IsNullOrEmpty(path)) throw new ArgumentException("A file is needed.", nameof(path));
            Path = path;
            _ownFolders = ownFolders ?? Array.Empty<string>();
            string key;
            try { key = System.IO.Path.GetFullPath(path); }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is PathTooLongException || e is System.Security.SecurityException) { key = path; }
            _gate = ownGate ? new SemaphoreSlim(1, 1) : Gates.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        }

        public string Path { get; }

        /// <summary>An id for a request's slot, unique among the processes sharing a file.</summary>
        public static long NewId() => BitConverter.ToInt64(Guid.NewGuid().ToByteArray(), 0);

        /// <summary>
        /// The default ledger for a user and app at a server, known before signing in: in the user's own local
        /// application data, named by a hash of the server, the client id and the user (never a secret: see
        /// <see cref="UserOf"/>). Null when the user has no such folder (a fresh service account): the shared
        /// temporary folder is never used.
        /// </summary>
        public static SharedRateLedger? Default(Uri server, string? clientId, string user, string? root = null)
        {
            root ??= Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            if (string.IsNullOrEmpty(root) || !System.IO.Path.IsPathRooted(root)) return null;
            var name = Hash($"{server.GetLeftPart(UriPartial.Authority).ToLowerInvariant()}|{clientId}|{user}", 12);
            var ringOut = System.IO.Path.Combine(root, "RingOut");
            var folder = System.IO.Path.Combine(ringOut, "rate-limits");
            return new SharedRateLedger(System.IO.Path.Combine(folder, name + ".ledger"), new[] { ringOut, folder });
        }

        /// <summary>
        /// Who a JWT credential signs in as, before it is used: its <c>sub</c> claim (the user's extension id, which
        /// is no secret), or, for a credential that does not read as a JWT, a hash of it (from which it cannot be
        /// found again).
        /// </summary>
        public static string UserOf(string jwt)
        {
            var parts = jwt.Split('.');
            if (parts.Length == 3 && parts[1].Length > 0 && parts[1].Length <= 8192)
            {
                try
                {
                    var b64 = parts[1].Replace('-', '+').Replace('_', '/');
                    b64 = b64.PadRight((b64.Length + 3) / 4 * 4, '=');
                    using (var doc = System.Text.Json.JsonDocument.Parse(Convert.FromBase64String(b64)))
                        if (doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && Json.IdString(doc.RootElement, "sub") is string sub &&
                            sub.Length > 0 && sub.Length <= 64)
                            return "sub:" + sub;
                }
                catch (Exception e) when (e is FormatException || e is System.Text.Json.JsonException || e is InvalidOperationException) { }
            }
            return "jwt:" + Hash(jwt, 32);
        }

        private static string Hash(string text, int bytes)
        {
            using var sha = SHA256.Create();
            var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(text));
            return BitConverter.ToString(hash, 0, bytes).Replace("-", "").ToLowerInvariant();
        }

        /// <summary>What the file holds, while it is held.</summary>
        internal sealed class Contents
        {
            private readonly Dictionary<RateGroup, (DateTimeOffset blocked, List<(long id, DateTimeOffset at)> slots)> _groups =
                new Dictionary<RateGroup, (DateTimeOffset, List<(long, DateTimeOffset)>)>();

            public bool Changed { get; private set; }

            /// <summary>Puts the file's block and requests of the group into the bucket, each as far as it is believable at <paramref name="now"/>.</summary>
            public void Load(RateGroup group, RateBudget.Bucket b, DateTimeOffset now)
            {
                if (!_groups.TryGetValue(group, out var g)) return;
                if (g.blocked > b.BlockedUntil && Believable(g.blocked, now, MaxBlock)) b.BlockedUntil = g.blocked;
                var slots = new List<(long id, DateTimeOffset at)>();
                foreach (var slot in g.slots) if (Believable(slot.at, now, MaxAhead)) slots.Add(slot);
                slots.Sort((x, y) => x.at.CompareTo(y.at));
                var sent = new Queue<RateBudget.Slot>(slots.Count);
                foreach (var (id, at) in slots) sent.Enqueue(new RateBudget.Slot { Id = id, At = at });
                b.Sent = sent;
            }

            /// <summary>A time from the file: not after <paramref name="now"/> and <paramref name="ahead"/>, and not so far before that a window's arithmetic would overflow.</summary>
            private static bool Believable(DateTimeOffset at, DateTimeOffset now, TimeSpan ahead) =>
                at <= now + ahead && at >= now - TimeSpan.FromDays(366);

            /// <summary>Writes the bucket's block and requests as the group's.</summary>
            public void Store(RateGroup group, RateBudget.Bucket b)
            {
                var slots = new List<(long, DateTimeOffset)>();
                foreach (var s in b.Sent) slots.Add((s.Id, s.At));
                _groups[group] = (b.BlockedUntil, slots);
                Changed = true;
            }

            /// <summary>Adds what a budget knew before it shared, or while it paced alone (its requests and its block), to the group's.</summary>
            public void Merge(RateGroup group, RateBudget.Bucket b, DateTimeOffset now)
            {
                var (blocked, slots) = _groups.TryGetValue(group, out var g) ? g : (default(DateTimeOffset), new List<(long, DateTimeOffset)>());
                if (!Believable(blocked, now, MaxBlock)) blocked = default;
                if (b.BlockedUntil > blocked) blocked = b.BlockedUntil;
                var known = new HashSet<long>();
                foreach (var (id, _) in slots) known.Add(id);
                foreach (var s in b.Sent)
                    if (known.Add(s.Id)) slots.Add((s.Id, s.At));
                _groups[group] = (blocked, slots);
                Changed = true;
            }

            public void Read(TextReader reader)
            {
                var buffer = new char[MaxChars];
                var length = 0;
                int n;
                while (length < buffer.Length && (n = reader.Read(buffer, length, buffer.Length - length)) > 0) length += n;
                // "<group> blocked <ticks>" or "<group> sent <id> <ticks>"; a line that does not read is left out, and
                // so is what lies beyond the first MaxChars characters.
                foreach (var line in new string(buffer, 0, length).Split('\n'))
                {
                    var w = line.Split(' ');
                    if (w.Length < 3 || !Enum.TryParse<RateGroup>(w[0], out var group) || !Enum.IsDefined(typeof(RateGroup), group)) continue;
                    if (!_groups.TryGetValue(group, out var g)) g = (default(DateTimeOffset), new List<(long, DateTimeOffset)>());
                    if (w[1] == "blocked" && w.Length == 3 && Ticks(w[2]) is DateTimeOffset blocked) g.blocked = blocked;
                    else if (w[1] == "sent" && w.Length == 4 && long.TryParse(w[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id) && Ticks(w[3]) is DateTimeOffset at)
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
                long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t >= DateTimeOffset.MinValue.UtcTicks && t <= DateTimeOffset.MaxValue.UtcTicks
                    ? new DateTimeOffset(t, TimeSpan.Zero) : (DateTimeOffset?)null;
        }

        /// <summary>
        /// Holds the file exclusively, reads it, runs <paramref name="use"/>, and writes it back if it changed. Waits
        /// for this process's other sessions and for other processes without holding a thread.
        /// </summary>
        /// <returns>Null when done; else why the file cannot be used (no folder may be made, no access, a link, held by another for too long).</returns>
        public async Task<string?> UpdateAsync(Action<Contents> use, CancellationToken ct)
        {
            await _gate.WaitAsync(ct).ConfigureAwait(false);
            FileStream? file = null;
            try
            {
                var why = PrepareFolders();
                if (why != null) return why;
                var started = DateTime.UtcNow;
                while (file == null)
                {
                    if (IsLink(Path)) return "it is a link, which is not followed";
                    try
                    {
                        var created = !File.Exists(Path);
                        file = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                        if (created) UnixMode.Set(Path, UnixMode.OwnerReadWrite);
                    }
                    catch (IOException e) when (!(e is DirectoryNotFoundException || e is FileNotFoundException || e is PathTooLongException))
                    {
                        // Another holds it: a session for the moment it takes to read and write it, or a scan for longer.
                        if (DateTime.UtcNow - started >= Patience) return $"held by another process for more than {Patience.TotalSeconds:0.#} s";
                        await Task.Delay(1, ct).ConfigureAwait(false);
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
                return null;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException || e is System.Security.SecurityException)
            {
                return e.Message;
            }
            finally
            {
                file?.Dispose();
                _gate.Release();
            }
        }

        /// <summary>Makes the file's folder if need be (private), and the module's own folders private; why not, or null.</summary>
        private string? PrepareFolders()
        {
            var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
            if (string.IsNullOrEmpty(folder)) return "it names no folder";
            // Missing folders are made one at a time, each private from the start.
            var missing = new Stack<string>();
            for (var f = folder; !string.IsNullOrEmpty(f) && !Directory.Exists(f); f = System.IO.Path.GetDirectoryName(f)) missing.Push(f!);
            while (missing.Count > 0) UnixMode.CreatePrivateDirectory(missing.Pop());
            foreach (var own in _ownFolders)
            {
                if (IsLink(own)) return $"{own} is a link, which is not followed";
                // Made by an older version, or under umask 000: made private again (which only its owner can do).
                if (!UnixMode.Set(own, UnixMode.OwnerAll)) return $"{own} could not be made private";
            }
            return null;
        }

        private static bool IsLink(string path)
        {
            try { return (File.GetAttributes(path) & FileAttributes.ReparsePoint) != 0; }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException) { return false; }
        }
    }
}
