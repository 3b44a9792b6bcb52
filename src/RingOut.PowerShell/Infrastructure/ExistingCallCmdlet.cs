using System;
using System.Management.Automation;
using RingOut.Client;

namespace RingOut.PowerShell
{
    /// <summary>Parameters shared by the cmdlets that act on existing calls: by -Id, or by piped call objects.</summary>
    public abstract class ExistingCallCmdlet : RingOutCmdlet
    {
        protected const string IdSet = "Id", ObjectSet = "InputObject";

        /// <summary>RingCentral's id of the call.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias(CallIdPropertyAttribute.RingOutId)]
        [CallIdProperty]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(CallIdCompleter))]
        public string[]? Id { get; set; }

        /// <summary>Calls written by New-RingOutCall or Get-RingOutCall.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public RingOutCall? InputObject { get; set; }

        /// <summary>The account the call belongs to: ~ (yours, the default) or its id.</summary>
        [Parameter(ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string AccountId { get; set; } = ApiPaths.Me;

        /// <summary>The extension that placed the call: ~ (yours, the default) or its id.</summary>
        [Parameter(ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string ExtensionId { get; set; } = ApiPaths.Me;

        /// <summary>The session to use; for piped calls, the session that placed them.</summary>
        [Parameter]
        public RingCentralSession? Session { get; set; }

        /// <summary>Each call named by this record: (id, account, extension, session, what to name in errors).</summary>
        protected void ForEachCall(Action<string, string, string, RingCentralSession, object> action)
        {
            // Every id is checked before any request: a value that is not what RingCentral issues never reaches a path.
            if (ParameterSetName == ObjectSet)
            {
                var call = InputObject ?? throw new PSInvalidOperationException("-InputObject is mandatory in its parameter set, and was not bound.");
                if (CheckCallId(call.Id, call) && CheckOwner(RingCentralIdKind.AccountId, call.AccountId, out var callAccount) &&
                    CheckOwner(RingCentralIdKind.ExtensionId, call.ExtensionId, out var callExtension))
                    // A call whose session was replaced (Connect-RingCentral again) or ended goes through the current one.
                    action(call.Id, callAccount, callExtension, Session ?? (call.Session is RingCentralSession own && own.IsConnected ? own : RequireSession(null)), call);
                return;
            }
            var session = RequireSession(Session);
            if (!CheckOwner(RingCentralIdKind.AccountId, AccountId, out var account) || !CheckOwner(RingCentralIdKind.ExtensionId, ExtensionId, out var extension)) return;
            foreach (var raw in Id ?? Array.Empty<string>())
                if (RowMarkerAttribute.TryGetRow(raw, out var row)) WriteError(ErrorMapping.NoCallIdProperty(row));
                else if (ApiPaths.TryCallId(raw, out var id, out var why)) action(id, account, extension, session, raw);
                else WriteError(ErrorMapping.InvalidId(new RingCentralInvalidIdException(RingCentralIdKind.CallId, raw, why), raw));
        }

        private bool CheckCallId(string? id, object target)
        {
            if (ApiPaths.TryCallId(id, out _, out var why)) return true;
            WriteError(ErrorMapping.InvalidId(new RingCentralInvalidIdException(RingCentralIdKind.CallId, id, why), target));
            return false;
        }

        /// <summary>A fresh snapshot of a call; a piped call keeps what its snapshot knew (From, To, when it was placed).</summary>
        protected RingOutCall ReadCall(RingCentralSession session, string id, string account, string extension, object target)
        {
            var call = Await(ct => session.GetCallAsync(id, account, extension, ct));
            return target is RingOutCall known ? known.UpdatedBy(call) : call;
        }

        /// <summary>
        /// Runs <paramref name="action"/> on an existing call, and maps its failure, the one way for every cmdlet:
        /// RingCentral no longer knows it → RingOut.CallNotFound; any other client failure, a dead session too → an
        /// error for this call. Returns whether the action succeeded.
        /// </summary>
        protected bool OnExistingCall(string id, object target, Action action)
        {
            try
            {
                action();
                return true;
            }
            catch (RingCentralApiException e) when (e.IsNotFound)
            {
                WriteError(ErrorMapping.CallNotFound(id, e, target));
            }
            catch (Exception e) when (ErrorMapping.IsClientFailure(e))
            {
                Report(e, target);
            }
            return false;
        }
    }
}
