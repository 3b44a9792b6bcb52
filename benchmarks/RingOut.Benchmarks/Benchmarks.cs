using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation.Runspaces;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;

namespace RingOut.Benchmarks
{
    /// <summary>(a) One call placed and read back: through the cmdlets, and with a raw HttpClient, against the loopback emulator (rate limits lifted).</summary>
    [MemoryDiagnoser]
    public class CallRoundTrip
    {
        private RingOut.Testing.EmulatorProcess _server;
        private Runspace _runspace;
        private HttpClient _http;

        [GlobalSetup]
        public void Setup()
        {
            _server = Harness.StartServer("--no-rate-limits");
            var v = _server.Variables;
            _runspace = Harness.OpenRunspace(import: true);
            Harness.Run(_runspace, "Connect-RingCentral -Server $args[0] -ClientId $args[1] -ClientSecret ([System.Net.NetworkCredential]::new('', $args[2]).SecurePassword) -Jwt ([System.Net.NetworkCredential]::new('', $args[3]).SecurePassword)",
                v["RC_SERVER_URL"], v["RC_APP_CLIENT_ID"], v["RC_APP_CLIENT_SECRET"], v["RC_USER_JWT"]);

            _http = new HttpClient { BaseAddress = new Uri(v["RC_SERVER_URL"]) };
            var login = new HttpRequestMessage(HttpMethod.Post, "/restapi/oauth/token")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer", ["assertion"] = v["RC_USER_JWT"] }),
            };
            login.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(v["RC_APP_CLIENT_ID"] + ":" + v["RC_APP_CLIENT_SECRET"])));
            var token = JsonDocument.Parse(_http.Send(login).Content.ReadAsStringAsync().Result).RootElement.GetProperty("access_token").GetString();
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            _runspace.Dispose();
            _http.Dispose();
            _server.Dispose();
        }

        [Benchmark(Baseline = true, Description = "raw HttpClient: POST + GET")]
        public string RawHttpClient()
        {
            var post = _http.PostAsync("/restapi/v1.0/account/~/extension/~/ring-out",
                new StringContent("{\"to\":{\"phoneNumber\":\"+14155550123\"},\"from\":{\"phoneNumber\":\"+16505550001\"}}", Encoding.UTF8, "application/json")).Result;
            var id = JsonDocument.Parse(post.Content.ReadAsStringAsync().Result).RootElement.GetProperty("id").GetRawText();
            var get = _http.GetAsync("/restapi/v1.0/account/~/extension/~/ring-out/" + id).Result;
            using var doc = JsonDocument.Parse(get.Content.ReadAsStringAsync().Result);
            return doc.RootElement.GetProperty("status").GetProperty("callStatus").GetString();
        }

        [Benchmark(Description = "raw HttpClient from a PowerShell script: POST + GET")]
        public object RawHttpClientFromPowerShell() => Harness.Run(_runspace, @"
            $content = [System.Net.Http.StringContent]::new('{""to"":{""phoneNumber"":""+14155550123""},""from"":{""phoneNumber"":""+16505550001""}}', [Text.Encoding]::UTF8, 'application/json')
            $post = $args[0].PostAsync('/restapi/v1.0/account/~/extension/~/ring-out', $content).GetAwaiter().GetResult()
            $id = [Text.Json.JsonDocument]::Parse($post.Content.ReadAsStringAsync().GetAwaiter().GetResult()).RootElement.GetProperty('id').GetRawText()
            $get = $args[0].GetAsync('/restapi/v1.0/account/~/extension/~/ring-out/' + $id).GetAwaiter().GetResult()
            [Text.Json.JsonDocument]::Parse($get.Content.ReadAsStringAsync().GetAwaiter().GetResult()).RootElement.GetProperty('status').GetProperty('callStatus').GetString()", _http)[0];

        [Benchmark(Description = "New-RingOutCall | Get-RingOutCall")]
        public object Cmdlets() => Harness.Run(_runspace, "New-RingOutCall -To '+14155550123' | Get-RingOutCall")[0];

        /// <summary>The same pipeline built with AddCommand: no script text to parse and compile.</summary>
        [Benchmark(Description = "New-RingOutCall | Get-RingOutCall, with AddCommand")]
        public object CmdletsByAddCommand()
        {
            using var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = _runspace;
            ps.AddCommand("New-RingOutCall").AddParameter("To", "+14155550123").AddCommand("Get-RingOutCall");
            return ps.Invoke()[0];
        }

        [Benchmark(Description = "client API: PlaceCallAsync + GetCallAsync")]
        public object ClientApi() => Harness.Run(_runspace,
            "$s = Get-RingCentralSession; $c = $s.PlaceCallAsync([RingOut.Client.RingOutCallRequest]@{ To = '+14155550123' }, [Threading.CancellationToken]::None).GetAwaiter().GetResult(); $s.GetCallAsync($c.Id, '~', '~', [Threading.CancellationToken]::None).GetAwaiter().GetResult()")[0];
    }

    /// <summary>N calls placed before each iteration (in-process emulator on virtual time, rate limits lifted), for the waits to take in.</summary>
    public abstract class PlacedCalls
    {
        protected Runspace Runspace;

        public abstract int Calls { get; set; }

        [GlobalSetup]
        public void Setup() => Runspace = Harness.OpenRunspace(import: true);

        [IterationSetup]
        public void Place()
        {
            Harness.Run(Runspace, @"$global:s = Connect-RingCentral -Environment Emulator -VirtualTime -PassThru
                $s.Emulator.Options.RateLimits.Light = 1000000; $s.Emulator.Options.RateLimits.Heavy = 1000000
                $global:calls = 1..$args[0] | ForEach-Object { '+1415{0:d7}' -f $_ } | New-RingOutCall", Calls);
        }

        [GlobalCleanup]
        public void Cleanup() => Runspace.Dispose();
    }

    /// <summary>(b) Wait-RingOutCall on N calls.</summary>
    [MemoryDiagnoser]
    public class WaitMany : PlacedCalls
    {
        [Params(10, 100, 1000)]
        public override int Calls { get; set; }

        [Benchmark(Description = "Wait-RingOutCall on N placed calls")]
        public int Wait() => Harness.Run(Runspace, "$calls | Wait-RingOutCall").Count;
    }

    /// <summary>
    /// (e) Wait-RingOutCall taking in N piped calls (and following them to the end: polling is linear, so a
    /// per-call figure that grows with N is the ingest growing faster than N). Issue 12: at 16,000 calls the per-call
    /// time and allocation must stay within 1.5 times those at 1,000.
    /// </summary>
    [MemoryDiagnoser]
    public class IngestMany : PlacedCalls
    {
        [Params(1000, 4000, 16000)]
        public override int Calls { get; set; }

        [Benchmark(Description = "N calls piped into Wait-RingOutCall, followed to the end")]
        public int Wait() => Harness.Run(Runspace, "$calls | Wait-RingOutCall -ProgressAction SilentlyContinue").Count;
    }

    /// <summary>(c) Import-Module of the built module in a fresh runspace.</summary>
    [MemoryDiagnoser]
    public class ImportModule
    {
        [Benchmark(Baseline = true, Description = "open a runspace (CreateDefault2)")]
        public void OpenOnly() { using var rs = Harness.OpenRunspace(import: false); }

        [Benchmark(Description = "open a runspace + Import-Module RingOut")]
        public void OpenAndImport() { using var rs = Harness.OpenRunspace(import: true); }
    }
}
