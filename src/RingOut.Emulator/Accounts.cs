using System;
using System.Collections.Generic;

namespace RingOut.Emulator
{
    /// <summary>An app registered with the emulator (what RingCentral's Developer Console holds).</summary>
    public sealed class EmulatedApp
    {
        public EmulatedApp(string clientId, string clientSecret) { ClientId = clientId; ClientSecret = clientSecret; }
        public string ClientId { get; }
        public string ClientSecret { get; }
        public string RedirectUri { get; set; } = "http://localhost:5081/callback";
        /// <summary>A public app (no secret kept, PKCE only) may refresh without client authentication; a confidential one may not.</summary>
        public bool IsPublic { get; set; }
        public override string ToString() => ClientId;
    }

    public sealed class EmulatedForwardingNumber
    {
        public string? Id { get; set; }
        public string? PhoneNumber { get; set; }
        public string? Label { get; set; }
        public string Type { get; set; } = "Mobile";
    }

    public sealed class EmulatedPhoneNumber
    {
        public long Id { get; set; }
        public string? PhoneNumber { get; set; }
        public string UsageType { get; set; } = "DirectNumber";
        public bool CallerId { get; set; } = true;
        public bool Primary { get; set; }
    }

    /// <summary>A user (extension) with the JWT credential that logs it in.</summary>
    public sealed class EmulatedUser
    {
        /// <summary>"~" ("me") in a path or an event filter: the token's own account or extension.</summary>
        public const string Me = "~";

        /// <summary>Whether a path's account is this user's own ("~" or its id): the one place the emulator reads "~".</summary>
        internal bool IsOwnAccount(string? accountId) => accountId == Me || accountId == AccountId;

        /// <summary>Whether a path's extension is this user's own ("~" or its id).</summary>
        internal bool IsOwnExtension(string? extensionId) => extensionId == Me || extensionId == ExtensionId;

        public string? AccountId { get; set; }
        public string? ExtensionId { get; set; }
        public string? ExtensionNumber { get; set; }
        public string? Name { get; set; }
        public string? Jwt { get; set; }
        public bool IsAdmin { get; set; }
        /// <summary>ISO 3166 code of the extension's home country.</summary>
        public string HomeCountry { get; set; } = "US";
        /// <summary>In the user's order; the first one is the default the module chooses when given no <c>from</c>.</summary>
        public List<EmulatedForwardingNumber> ForwardingNumbers { get; } = new List<EmulatedForwardingNumber>();
        public List<EmulatedPhoneNumber> PhoneNumbers { get; } = new List<EmulatedPhoneNumber>();
        public override string ToString() => $"{Name} ({AccountId}/{ExtensionId})";
    }

    /// <summary>
    /// The built-in demo account: one app, and three users. These are the emulator's own made-up credentials; they
    /// open nothing but the emulator.
    /// </summary>
    public static class DemoAccount
    {
        public const string ClientId = "RingOutEmulatorDemoApp";
        public const string ClientSecret = "emulator-demo-client-secret";
        public const string AccountId = "37439510";
        public const string UserExtensionId = "850957020";
        public const string AdminExtensionId = "850957021";
        public const string NoForwardingExtensionId = "850957022";
        /// <summary>JWT credential of the demo user (extension 101), who has forwarding numbers.</summary>
        public const string UserJwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI4NTA5NTcwMjAiLCJpc3MiOiJyaW5nb3V0LWVtdWxhdG9yIn0.ZGVtby11c2VyLWp3dA";
        /// <summary>JWT credential of the demo admin (extension 102), who may place calls for other extensions.</summary>
        public const string AdminJwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI4NTA5NTcwMjEiLCJpc3MiOiJyaW5nb3V0LWVtdWxhdG9yIn0.ZGVtby1hZG1pbi1qd3Q";
        /// <summary>JWT credential of a user with no forwarding number (extension 103).</summary>
        public const string NoForwardingJwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI4NTA5NTcwMjIiLCJpc3MiOiJyaW5nb3V0LWVtdWxhdG9yIn0.ZGVtby1ub2Z3ZC1qd3Q";
        public const string DefaultForwardingNumber = "+16505550001";

        internal static IEnumerable<EmulatedUser> Users()
        {
            var user = new EmulatedUser
            {
                AccountId = AccountId, ExtensionId = UserExtensionId, ExtensionNumber = "101", Name = "Demo User", Jwt = UserJwt,
            };
            user.ForwardingNumbers.Add(new EmulatedForwardingNumber { Id = "417276280004", PhoneNumber = DefaultForwardingNumber, Label = "My Mobile", Type = "Mobile" });
            user.ForwardingNumbers.Add(new EmulatedForwardingNumber { Id = "417276280005", PhoneNumber = "+16505550002", Label = "Work desk", Type = "Work" });
            user.ForwardingNumbers.Add(new EmulatedForwardingNumber { Id = "417276280006", PhoneNumber = "+16505550003", Label = "Home", Type = "Home" });
            user.PhoneNumbers.Add(new EmulatedPhoneNumber { Id = 1437200004, PhoneNumber = "+16505550000", UsageType = "DirectNumber", Primary = true });
            user.PhoneNumbers.Add(new EmulatedPhoneNumber { Id = 1437200005, PhoneNumber = "+16505550009", UsageType = "MainCompanyNumber", CallerId = false });
            yield return user;

            var admin = new EmulatedUser
            {
                AccountId = AccountId, ExtensionId = AdminExtensionId, ExtensionNumber = "102", Name = "Demo Admin", Jwt = AdminJwt, IsAdmin = true,
            };
            admin.ForwardingNumbers.Add(new EmulatedForwardingNumber { Id = "417276280010", PhoneNumber = "+16505550010", Label = "Admin Mobile" });
            admin.PhoneNumbers.Add(new EmulatedPhoneNumber { Id = 1437200010, PhoneNumber = "+16505550020", Primary = true });
            yield return admin;

            var bare = new EmulatedUser
            {
                AccountId = AccountId, ExtensionId = NoForwardingExtensionId, ExtensionNumber = "103", Name = "No Forwarding", Jwt = NoForwardingJwt,
            };
            bare.PhoneNumbers.Add(new EmulatedPhoneNumber { Id = 1437200030, PhoneNumber = "+16505550030", Primary = true });
            yield return bare;
        }
    }

    /// <summary>One OAuth session: its current access and refresh tokens.</summary>
    internal sealed class OAuthSession
    {
        public required string Id;
        public required EmulatedApp App;
        public required EmulatedUser User;
        public string AccessToken = "";
        public DateTimeOffset AccessExpires;
        public string RefreshToken = "";
        public DateTimeOffset RefreshExpires;
        public bool Revoked;
        public bool AccessForcedExpired;
        /// <summary>The refresh token this session's current tokens replaced: accepted again during the grace.</summary>
        public string? PreviousRefreshToken;
        /// <summary>When the current tokens were issued by a refresh, and when their access token was first used.</summary>
        public DateTimeOffset RefreshedAt;
        public DateTimeOffset? AccessFirstUsed;
    }
}
