using System;
using System.Threading;
using System.Threading.Tasks;

namespace RingOut.Client.Http
{
    /// <summary>The rate budget's sharing: pacing together with the other sessions of one user and app through a file (<see cref="SharedRateLedger"/>).</summary>
    public sealed partial class RateBudget
    {
        private SharedRateLedger? _shared;

        /// <summary>The file this budget paces through now with the other sessions of its user and app on the computer, or null (it paces alone).</summary>
        public string? SharedThrough { get { lock (_buckets) return _shared != null && _clock.GetUtcNow() >= _aloneUntil ? _shared.Path : null; } }

        /// <summary>
        /// Told (once) when the shared file cannot be used and the budget paces alone for a while; returns whether
        /// anyone heard it (the session tells the caller whose request found out).
        /// </summary>
        internal Func<string, bool>? Warn { get; set; }

        /// <summary>After the shared file could not be used, how long the budget paces alone before it tries the file again.</summary>
        internal static readonly TimeSpan RetryShared = TimeSpan.FromMinutes(1);

        private DateTimeOffset _aloneUntil = DateTimeOffset.MinValue;
        private bool _rejoin, _told;

        /// <summary>
        /// From now on, paces together with every other budget shared through <paramref name="path"/> (in this process
        /// or another): what each sent and each penalty are kept there, so that together they stay within the limits
        /// that RingCentral counts per user and app. What this budget already knows is written there first.
        /// </summary>
        /// <returns>False when the file cannot be used now (no access, held by another for too long, a link): the
        /// budget then paces alone, says so once (<see cref="Warn"/>), and tries the file again every minute.</returns>
        public bool ShareThrough(string path) => ShareThroughAsync(new SharedRateLedger(path), CancellationToken.None).GetAwaiter().GetResult();

        internal async Task<bool> ShareThroughAsync(SharedRateLedger ledger, CancellationToken ct)
        {
            if (ledger == null) throw new ArgumentNullException(nameof(ledger));
            lock (_buckets) { _shared = ledger; _rejoin = true; _aloneUntil = DateTimeOffset.MinValue; }
            // Joins at the first use, which writes what this budget knows to the file.
            await UseAsync(RateGroup.Auth, false, (b, now) => true, ct).ConfigureAwait(false);
            return SharedThrough != null;
        }

        /// <summary>The budget cannot share (<paramref name="why"/>): it paces alone, and says so once.</summary>
        internal void PaceAlone(string why) => Tell(Messages.PacingAlone(why));

        private void Tell(string message)
        {
            Func<string, bool>? warn;
            lock (_buckets)
            {
                if (_told) return;
                warn = Warn;
            }
            if (warn != null && warn(message)) lock (_buckets) _told = true;
        }

        /// <summary>
        /// Runs <paramref name="f"/> on the group's bucket under the budget's lock, held only for that moment. When
        /// shared, the file is held first (waited for without blocking a thread), read into the bucket, and written
        /// back when <paramref name="changes"/>; when it cannot be used, the budget paces alone for
        /// <see cref="RetryShared"/>, then joins it again with what it sent meanwhile.
        /// </summary>
        private async Task<T> UseAsync<T>(RateGroup group, bool changes, Func<Bucket, DateTimeOffset, T> f, CancellationToken ct)
        {
            SharedRateLedger? ledger;
            lock (_buckets) ledger = _shared != null && _clock.GetUtcNow() >= _aloneUntil ? _shared : null;
            if (ledger == null) return Local(group, f);
            var result = default(T)!;
            var ran = false;
            var failure = await ledger.UpdateAsync(contents =>
            {
                lock (_buckets)
                {
                    var now = _clock.GetUtcNow();
                    if (_rejoin)
                    {
                        foreach (var pair in _buckets) contents.Merge(pair.Key, pair.Value, now);
                        _rejoin = false;
                    }
                    var b = _buckets[group];
                    contents.Load(group, b, now);
                    result = f(b, now);
                    ran = true;
                    if (changes)
                    {
                        Trim(b, now);
                        contents.Store(group, b);
                    }
                }
            }, ct).ConfigureAwait(false);
            if (failure == null) return result;
            lock (_buckets)
            {
                _aloneUntil = _clock.GetUtcNow() + RetryShared;
                _rejoin = true;
            }
            Tell(Messages.PacingAlone($"{ledger.Path}: {failure}"));
            return ran ? result : Local(group, f);
        }

        private T Local<T>(RateGroup group, Func<Bucket, DateTimeOffset, T> f)
        {
            lock (_buckets) return f(_buckets[group], _clock.GetUtcNow());
        }

        /// <summary>As <see cref="UseAsync"/>, for the synchronous callers (the file is waited for on their thread, never under the budget's lock).</summary>
        private T Use<T>(RateGroup group, bool changes, Func<Bucket, DateTimeOffset, T> f) =>
            UseAsync(group, changes, f, CancellationToken.None).GetAwaiter().GetResult();
    }
}
