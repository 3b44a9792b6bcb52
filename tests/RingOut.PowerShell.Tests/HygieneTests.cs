using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace RingOut.PowerShell.Tests
{
    /// <summary>Secrets never leak; hostile input gives clear errors.</summary>
    [Collection("PowerShell")]
    public sealed class HygieneTests
    {
        private const string ClientSecret = "emulator-demo-client-secret";
        private const string UserJwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI4NTA5NTcwMjAiLCJpc3MiOiJyaW5nb3V0LWVtdWxhdG9yIn0.ZGVtby11c2VyLWp3dA";

        [Fact]
        public void Every_cmdlet_with_Verbose_Debug_and_a_failure_at_each_step_shows_no_secret_anywhere_and_writes_none_to_disk()
        {
            var started = DateTime.UtcNow.AddSeconds(-1);
            using var ps = new PowerShellHost();
            var r = ps.Run(@"
                $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $ProgressPreference = 'Continue'
                $s = Connect-RingCentral -Environment Emulator -VirtualTime -PassThru
                $f = $s.Emulator.Faults
                $s; $s.ToString(); $s.RateLimits
                Get-RingCentralSession
                Get-RingCentralForwardingNumber
                $null = $f.Add('ServerError', 'GET', 'forwarding-number', 10)
                Get-RingCentralForwardingNumber
                $calls = New-RingOutCall -To '+16505550106', '+14155550123', '+16505550101'
                $calls; $calls | ForEach-Object { $_.ToString() }
                $null = $f.Add('ExpireAccessToken', 'GET', 'ring-out', 1)
                $calls | Get-RingOutCall
                $null = $f.Add('DropAfterActing', 'POST', 'ring-out', 1)
                New-RingOutCall -To '+14155550199'
                $null = $f.Add('TruncatedBody', 'POST', 'ring-out', 1)
                New-RingOutCall -To '+14155550198'
                New-RingOutCall -To 'not a number'
                $calls[0] | Stop-RingOutCall -PassThru -Confirm:$false
                $calls[0] | Stop-RingOutCall -Confirm:$false
                $calls | Wait-RingOutCall -Timeout 5
                Get-RingOutCall -Id 42
                ConvertTo-RingCentralDialUri '+1 650 111 2222' -AsHtml
                Open-RingCentralDialUri '+1 650 111 2222' -WhatIf
                $null = $f.Add('RevokeSession', 'GET', 'ring-out', 1)
                $calls | Wait-RingOutCall
                Get-RingOutCall -Id 1
                Disconnect-RingCentral
                Connect-RingCentral -Environment Emulator -Jwt ([System.Net.NetworkCredential]::new('', 'eyJ.wrong.jwt-credential').SecurePassword)
                $global:tokens = $s.Emulator.IssuedTokens");
            var tokens = ps.Ok("$tokens").Select(o => o.ToString()).ToList();
            Assert.True(tokens.Count >= 4, "the run issued tokens and refreshed them");
            Assert.NotEmpty(r.Errors);
            Assert.NotEmpty(r.Debug);
            Assert.NotEmpty(r.Progress);
            var seen = r.AllText() + string.Join("\n", r.Errors.Select(e => e.Exception?.ToString() + e.ErrorDetails?.RecommendedAction));
            var secrets = tokens.Concat(new[] { ClientSecret, UserJwt, "eyJ.wrong.jwt-credential" }).ToList();
            foreach (var secret in secrets) Assert.DoesNotContain(secret, seen);

            // Nothing written during the run, in the places a module could write, holds a secret.
            var places = new[] { Path.GetTempPath(), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), Path.GetDirectoryName(PowerShellHost.ModuleManifest) };
            foreach (var file in places.Where(Directory.Exists).SelectMany(d => SafeFiles(d)).Where(f => File.GetLastWriteTimeUtc(f) >= started && new FileInfo(f).Length < 10_000_000))
            {
                string text;
                try { text = File.ReadAllText(file); } catch (IOException) { continue; } catch (UnauthorizedAccessException) { continue; }
                foreach (var secret in secrets) Assert.False(text.Contains(secret), $"{file} holds a secret");
            }
        }

        private static IEnumerable<string> SafeFiles(string root)
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint, MaxRecursionDepth = 6 };
            try { return Directory.EnumerateFiles(root, "*", options).Where(f => !f.Contains("/.nuget/") && !f.Contains("/proc/")).ToList(); }
            catch (Exception) { return Enumerable.Empty<string>(); }
        }

        [Theory]
        [InlineData("ftp://platform.ringcentral.com", "RingOut.InsecureServer")]
        [InlineData("http://10.1.2.3", "RingOut.InsecureServer")]
        [InlineData("http://platform.ringcentral.com", "RingOut.InsecureServer")]
        [InlineData("file:///etc/passwd", "RingOut.InsecureServer")]
        [InlineData("https://platform.ringout.invalid", "RingOut.ConnectionFailed")]
        public void Hostile_or_wrong_server_addresses_get_a_clear_error(string server, string errorId)
        {
            using var ps = new PowerShellHost();
            var r = ps.Run("Connect-RingCentral -Server $args[0] -AccessToken ([System.Net.NetworkCredential]::new('', 'x').SecurePassword)", server);
            Assert.Equal(errorId, r.Error?.FullyQualifiedErrorId.Split(',')[0]);
            Assert.False(string.IsNullOrWhiteSpace(r.Error.Exception.Message));
        }

        [Fact]
        public void Random_and_hostile_ids_get_clear_errors_and_send_nothing_odd()
        {
            using var ps = new PowerShellHost();
            ps.Ok("$global:s = Connect-RingCentral -Environment Emulator -VirtualTime -PassThru");
            var random = new Random(11);
            var ids = new List<string> { "../../oauth/revoke", "1?x=1", "%2e%2e", "\u0000", new string('9', 5000), "1#", "a/b", " ", "-1", "1e9", "'; DROP TABLE" };
            for (var i = 0; i < 40; i++) ids.Add(new string(Enumerable.Range(0, random.Next(1, 20)).Select(_ => (char)random.Next(33, 127)).ToArray()));
            var r = ps.Run("$args | ForEach-Object { Get-RingOutCall -Id $_ }", ids.Cast<object>().ToArray());
            Assert.Null(r.Terminating);
            Assert.Empty(r.Output);
            Assert.Equal(ids.Count, r.Errors.Count);
            Assert.All(r.ErrorIds, id => Assert.Contains(id, new[] { "RingOut.InvalidCallId", "RingOut.CallNotFound", "ParameterArgumentValidationError" }));
            // Only ring-out reads reached the server: no id escaped its path segment.
            var routes = ps.Ok("$s.Emulator.Statistics.ByRoute.Keys").Select(o => o.ToString()).ToList();
            Assert.All(routes, route => Assert.Contains(route, new[] { "POST token", "GET extension", "GET ring-out" }));
        }
    }
}
