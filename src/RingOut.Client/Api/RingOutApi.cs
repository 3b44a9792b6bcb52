using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using RingOut.Client.Http;

namespace RingOut.Client
{
    /// <summary>RingCentral's RingOut API: place a call, read it, cancel it.</summary>
    public sealed partial class RingCentralSession
    {
        /// <summary>RingCentral's rate group for placing a call (POST ring-out), from <see cref="RateGroups"/>: for
        /// anything that shows or estimates the pacing of calls.</summary>
        public static readonly RateGroup PlaceCallGroup = RateGroups.CreateRingOutCall.Group;

        /// <summary>
        /// POST ring-out. Sent once: retried only when RingCentral provably did not act on it. When the outcome
        /// cannot be known, throws <see cref="RingOutOutcomeUnknownException"/>.
        /// </summary>
        public async Task<RingOutCall> PlaceCallAsync(RingOutCallRequest request, CancellationToken cancellationToken = default)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            var account = ApiPaths.Owner(RingCentralIdKind.AccountId, request.AccountId);
            var extension = ApiPaths.Owner(RingCentralIdKind.ExtensionId, request.ExtensionId);
            var path = ApiPaths.RingOut(account, extension);
            var region = RegionFor(request.DefaultRegion);
            var to = PhoneNumber.Normalize(request.To, region);
            var body = new Dictionary<string, object> { ["to"] = new Dictionary<string, string> { ["phoneNumber"] = to } };
            string? from = null;
            if (request.ForwardingNumberId is string forwardingNumberId && forwardingNumberId.Length > 0)
                body["from"] = new Dictionary<string, string> { ["forwardingNumberId"] = forwardingNumberId };
            else if (!string.IsNullOrEmpty(request.From))
                body["from"] = new Dictionary<string, string> { ["phoneNumber"] = from = PhoneNumber.Normalize(request.From, region) };
            else
            {
                // The spec makes from required: ring the extension's default forwarding number, looked up (once) before anything is placed.
                var number = await DefaultForwardingNumberAsync(account, extension, cancellationToken).ConfigureAwait(false)
                             ?? throw new RingOutNoForwardingNumberException($"The call to {to} names no number to ring first, and the extension has no forwarding number to stand in: nothing was sent.");
                body["from"] = new Dictionary<string, string> { ["phoneNumber"] = from = number.PhoneNumber! };
            }
            if (!string.IsNullOrEmpty(request.CallerId))
                body["callerId"] = new Dictionary<string, string> { ["phoneNumber"] = PhoneNumber.Normalize(request.CallerId, region) };
            if (request.PlayPrompt) body["playPrompt"] = true;
            if (request.CountryId is string countryId && countryId.Length > 0) body["country"] = new Dictionary<string, string> { ["id"] = countryId };

            var what = $"placing a RingOut call to {to}";
            var kind = new RequestKind { Idempotent = false, Description = what };
            var sentAt = Clock.GetUtcNow();
            try
            {
                var (response, bytes) = await SendAsync(HttpMethod.Post, path, body, kind, cancellationToken).ConfigureAwait(false);
                using (response)
                {
                    if (!response.IsSuccessStatusCode) throw RingCentralApiException.From(response, bytes, what, Secrets);
                    var now = Clock.GetUtcNow();
                    try
                    {
                        using (var doc = ParseJson(bytes, what))
                            return ReadCall(doc.RootElement, from, to, account, extension, now, now, sentAt);
                    }
                    catch (RingCentralProtocolException e)
                    {
                        throw new RingOutOutcomeUnknownException(
                            $"RingCentral accepted the call to {to} (HTTP {(int)response.StatusCode}{RequestIdText(response)}) but its answer could not be read, so the call's id is unknown. The call was probably placed: check your phone or the call log before placing it again.", e);
                    }
                }
            }
            catch (RingOutOutcomeUnknownException e)
            {
                RecordUnknown(new RingOutAttempt(to, from, sentAt, e.Message));
                throw;
            }
            catch (OperationCanceledException) when (kind.MayHaveBeenSent)
            {
                RecordUnknown(new RingOutAttempt(to, from, sentAt, "The wait for RingCentral's answer was stopped (Ctrl+C) after the request was sent: the call may have been placed."));
                throw;
            }
            // Anything else that fails once the request may have been sent, except a refusal RingCentral delivered, the
            // session's end, and a connection that was never made: the call may have been placed.
            catch (Exception e) when (kind.MayHaveBeenSent && !(e is RingCentralApiException) && !(e is HttpRequestException) && !Failures.EndsSession(e))
            {
                var unknown = new RingOutOutcomeUnknownException(
                    $"While {what}, the answer could not be taken ({e.Message}). RingCentral may or may not have acted on it, and it was not sent again.", e);
                RecordUnknown(new RingOutAttempt(to, from, sentAt, unknown.Message));
                throw unknown;
            }
        }

        private static string RequestIdText(HttpResponseMessage r)
        {
            var id = RingCentralApiException.Header(r, "RCRequestId");
            return id == null ? "" : ", RCRequestId " + id;
        }

        /// <summary>GET ring-out/{id}: a fresh snapshot. A call RingCentral no longer knows throws <see cref="RingCentralApiException"/> with <see cref="RingCentralApiException.IsNotFound"/>.</summary>
        public Task<RingOutCall> GetCallAsync(string id, string? accountId = ApiPaths.Me, string? extensionId = ApiPaths.Me, CancellationToken cancellationToken = default) =>
            GetCallAsync(id, accountId, extensionId, null, cancellationToken);

        /// <summary>As <see cref="GetCallAsync(string, string, string, CancellationToken)"/>, given up (<see cref="TimeoutException"/>) rather than waited for past <paramref name="until"/> (a wait's -Timeout).</summary>
        private async Task<RingOutCall> GetCallAsync(string id, string? accountId, string? extensionId, DateTimeOffset? until, CancellationToken cancellationToken)
        {
            var path = ApiPaths.RingOut(accountId, extensionId, id);
            var what = $"reading RingOut call {id}";
            using (var doc = await GetJsonAsync(path, new RequestKind { Description = what, Deadline = until }, cancellationToken).ConfigureAwait(false))
            {
                var now = Clock.GetUtcNow();
                return ReadCall(doc.RootElement, null, null, accountId, extensionId, now, now);
            }
        }

        /// <summary>A newer snapshot of <paramref name="call"/>; when RingCentral no longer knows it, the last snapshot marked gone.</summary>
        public Task<RingOutCall> RefreshCallAsync(RingOutCall call, CancellationToken cancellationToken = default) => RefreshCallAsync(call, null, cancellationToken);

        /// <summary>As <see cref="RefreshCallAsync(RingOutCall, CancellationToken)"/>, given up (<see cref="TimeoutException"/>) rather than waited for past <paramref name="until"/> (a wait's -Timeout).</summary>
        public async Task<RingOutCall> RefreshCallAsync(RingOutCall call, DateTimeOffset? until, CancellationToken cancellationToken)
        {
            if (call == null) throw new ArgumentNullException(nameof(call));
            try
            {
                var fresh = await GetCallAsync(call.Id, call.AccountId, call.ExtensionId, until, cancellationToken).ConfigureAwait(false);
                return call.UpdatedBy(fresh);
            }
            catch (RingCentralApiException e) when (e.IsNotFound)
            {
                return call.AsGone(Clock.GetUtcNow());
            }
        }

        /// <summary>
        /// A call placed earlier (by another process, say), known by what was recorded when it was placed: its id, the
        /// number called, the number rung first and when. Nothing is read: its first snapshot is as of
        /// <paramref name="placedAt"/>, so a wait reads it at once, and looks it up in the call log when RingCentral
        /// forgot it. The ids are checked as every id put in a path is.
        /// </summary>
        public RingOutCall KnownCall(string id, string? to, string? from, DateTimeOffset placedAt, string? accountId = ApiPaths.Me, string? extensionId = ApiPaths.Me)
        {
            // Throws for an id, account or extension that is not one.
            return new RingOutCall(ApiPaths.CallId(id), null, "InProgress", "InProgress", "InProgress", from, to,
                ApiPaths.Owner(RingCentralIdKind.AccountId, accountId), ApiPaths.Owner(RingCentralIdKind.ExtensionId, extensionId), placedAt, placedAt, false, this);
        }

        /// <summary>DELETE ring-out/{id}: cancels the call while the called party is still being rung.</summary>
        public async Task CancelCallAsync(string id, string? accountId = ApiPaths.Me, string? extensionId = ApiPaths.Me, CancellationToken cancellationToken = default)
        {
            var path = ApiPaths.RingOut(accountId, extensionId, id);
            var what = $"cancelling RingOut call {id}";
            var (response, bytes) = await SendAsync(HttpMethod.Delete, path, null, new RequestKind { Description = what }, cancellationToken).ConfigureAwait(false);
            using (response)
                if (!response.IsSuccessStatusCode) throw RingCentralApiException.From(response, bytes, what, Secrets);
        }

        /// <summary>
        /// The region that numbers written without a country code are read in: the one given (-DefaultRegion), else
        /// the extension's home country (null: North American). The one place this default is decided.
        /// </summary>
        public string? RegionFor(string? defaultRegion) => defaultRegion ?? HomeCountry;

        private RingOutCall ReadCall(JsonElement root, string? from, string? to, string? accountId, string? extensionId, DateTimeOffset placedAt, DateTimeOffset at, DateTimeOffset? sentAt = null)
        {
            if (root.ValueKind != JsonValueKind.Object) throw new RingCentralProtocolException("The RingOut answer is not a JSON object.");
            var id = Json.IdString(root, "id");
            if (id is null || id.Length == 0) throw new RingCentralProtocolException("The RingOut answer has no id.");
            string? call = null, caller = null, callee = null;
            if (root.TryGetProperty("status", out var st) && st.ValueKind == JsonValueKind.Object)
            {
                call = Json.Str(st, "callStatus"); caller = Json.Str(st, "callerStatus"); callee = Json.Str(st, "calleeStatus");
            }
            return new RingOutCall(id, Json.Str(root, "uri"), call, caller, callee, from, to,
                accountId is null || accountId.Length == 0 ? ApiPaths.Me : accountId, extensionId is null || extensionId.Length == 0 ? ApiPaths.Me : extensionId, placedAt, at, false, this, sentAt);
        }
    }
}
