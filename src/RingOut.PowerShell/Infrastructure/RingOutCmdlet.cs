using System;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>
    /// What every RingOut cmdlet shares: the session it works with (resolved on the pipeline thread),
    /// cancellation by Ctrl+C (StopProcessing cancels; async work is awaited with that token), verbose lines for
    /// each HTTP exchange written on the pipeline thread, and the mapping of failures to ErrorRecords.
    /// </summary>
    public abstract class RingOutCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly ConcurrentQueue<string> _verbose = new ConcurrentQueue<string>();

        protected CancellationToken StopToken => _stop.Token;

        protected override void StopProcessing()
        {
            try { _stop.Cancel(); }
            catch (ObjectDisposedException) { } // Ctrl+C as the pipeline finished: nothing is left to stop
        }

        /// <summary>PowerShell disposes a cmdlet that is IDisposable when its pipeline is done.</summary>
        public void Dispose()
        {
            foreach (var session in _using) SessionStore.Leave(session);
            _using.Clear();
            _stop.Dispose();
            GC.SuppressFinalize(this);
        }

        protected override void EndProcessing()
        {
            FlushVerbose();
            base.EndProcessing();
        }

        /// <summary>The session given, else the current one; a terminating error naming Connect-RingCentral when there is none.</summary>
        protected RingCentralSession RequireSession(RingCentralSession? given)
        {
            var session = given ?? SessionStore.Current;
            if (session != null && session.IsConnected)
            {
                // Used until this command is disposed: a Connect-RingCentral meanwhile closes it only then.
                if (!_using.Contains(session)) { SessionStore.Enter(session); _using.Add(session); }
                return session;
            }
            throw Terminate(ErrorMapping.NotConnected());
        }

        private readonly System.Collections.Generic.List<RingCentralSession> _using = new System.Collections.Generic.List<RingCentralSession>();

        /// <summary>Ends the command with a terminating error; written <c>throw Terminate(…)</c> so that the compiler knows it does not return.</summary>
        protected Exception Terminate(ErrorRecord record)
        {
            ThrowTerminatingError(record);
            return new InvalidOperationException("ThrowTerminatingError returned.");
        }

        /// <summary>
        /// Runs async work to completion on this thread, cancelled by Ctrl+C, with a verbose line (and under -Debug
        /// the redacted bodies) for each HTTP exchange it makes, through any session: only this command's.
        /// </summary>
        protected T Await<T>(Func<CancellationToken, Task<T>> work)
        {
            var observing = RingCentralSession.ObserveExchanges(ExchangeLogger(DebugWanted()), DebugWanted(), _warnings.Enqueue);
            try
            {
                return work(StopToken).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
            finally
            {
                observing.Dispose();
                FlushVerbose();
            }
        }

        protected void Await(Func<CancellationToken, Task> work) =>
            Await<bool>(async ct => { await work(ct).ConfigureAwait(false); return true; });

        private readonly ConcurrentQueue<string> _debug = new ConcurrentQueue<string>();
        private readonly ConcurrentQueue<string> _warnings = new ConcurrentQueue<string>();

        /// <summary>
        /// Queues, for each exchange, to be written on the pipeline thread: a verbose line; and with
        /// <paramref name="debug"/>, instead, one debug record, that line with the redacted bodies below it (one record
        /// per exchange, under -Verbose -Debug too).
        /// </summary>
        private Action<HttpExchange> ExchangeLogger(bool debug)
        {
            var verbose = !debug;
            return e =>
            {
                if (verbose) _verbose.Enqueue(e.ToString());
                if (debug)
                    _debug.Enqueue(e.ToString() + (e.RequestBody != null || e.ResponseBody != null
                        ? $"\n  request body: {e.RequestBody ?? "(none)"}\n  response body: {e.ResponseBody ?? "(none)"}" : ""));
            };
        }

        /// <summary>Whether -Debug (or $DebugPreference) asks for debug output: only then are bodies captured.</summary>
        protected bool DebugWanted()
        {
            if (MyInvocation.BoundParameters.TryGetValue("Debug", out var d) && d is SwitchParameter s) return s.IsPresent;
            var pref = GetVariableValue("DebugPreference");
            return pref is ActionPreference p && p != ActionPreference.SilentlyContinue && p != ActionPreference.Ignore;
        }

        /// <summary>
        /// A verbose line. PowerShell gives a compiled cmdlet run with -Debug (and no -Verbose) the verbose preference
        /// Inquire, so its first verbose line stops at "Continue with this operation?", and under -NonInteractive
        /// fails; advanced functions since PowerShell 7.4 just continue. Under -Debug the line is written as debug
        /// output instead, which -Debug shows without asking on PowerShell 7 (as Windows PowerShell 5.1 asks for both).
        /// </summary>
        protected new void WriteVerbose(string text)
        {
            if (VerboseIsDebug()) WriteDebug(text);
            else base.WriteVerbose(text);
        }

        /// <summary>Whether verbose lines are written as debug lines: -Debug given, and -Verbose not (see <see cref="WriteVerbose"/>).</summary>
        private bool VerboseIsDebug()
        {
            var bound = MyInvocation.BoundParameters;
            return bound.TryGetValue("Debug", out var d) && d is SwitchParameter debug && debug.IsPresent && !bound.ContainsKey("Verbose");
        }

        protected void FlushVerbose()
        {
            // While the pipeline stops (Ctrl+C), writing throws PipelineStoppedException: in Await's finally that threw
            // away the work's result, a call placed as the pipeline stopped (issue 22). The lines are dropped instead.
            if (Stopping) { while (_verbose.TryDequeue(out _) || _debug.TryDequeue(out _) || _warnings.TryDequeue(out _)) { } return; }
            while (_verbose.TryDequeue(out var line)) WriteVerbose(line);
            while (_debug.TryDequeue(out var line)) WriteDebug(line);
            while (_warnings.TryDequeue(out var line)) WriteWarning(line); // the session signed in again
        }

        /// <summary>
        /// Writes the error for a client failure, non-terminating and for this input only, whatever it was: a dead
        /// session too (the rule is in <see cref="ErrorMapping"/>).
        /// </summary>
        protected void Report(Exception e, object? target, string? notFoundId = null) => WriteError(ErrorMapping.Failure(e, target, notFoundId));

        /// <summary>Checks an account or extension id before any request; writes the error and returns false when it is not one.</summary>
        protected bool CheckOwner(RingCentralIdKind kind, string? value, [NotNullWhen(true)] out string? segment)
        {
            if (ApiPaths.TryOwner(kind, value, out segment, out var why)) return true;
            WriteError(ErrorMapping.InvalidId(new RingCentralInvalidIdException(kind, value, why), value));
            return false;
        }
    }
}
