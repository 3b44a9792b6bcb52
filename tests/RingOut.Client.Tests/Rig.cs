using System;
using System.Threading.Tasks;
using RingOut.Client;
using RingOut.Emulator;

namespace RingOut.Client.Tests
{
    /// <summary>A client session connected to an in-process emulator; both run on one auto-advancing virtual clock.</summary>
    public sealed class Rig : IDisposable
    {
        public VirtualClock Clock { get; } = new VirtualClock { AutoAdvance = true };
        public RingCentralEmulator Emulator { get; }
        public RingCentralSession Session { get; private set; }

        private Rig(EmulatorOptions options) { Emulator = new RingCentralEmulator(options ?? new EmulatorOptions(), Clock); }

        public static async Task<Rig> StartAsync(EmulatorOptions options = null, string jwt = DemoAccount.UserJwt, Action<RingCentralConnectOptions> configure = null)
        {
            var rig = new Rig(options);
            rig.Session = await RingCentralSession.ConnectAsync(rig.Options(jwt, configure));
            return rig;
        }

        public RingCentralConnectOptions Options(string jwt = DemoAccount.UserJwt, Action<RingCentralConnectOptions> configure = null)
        {
            var o = new RingCentralConnectOptions
            {
                Server = RingCentralEmulator.InProcessBaseUri,
                EnvironmentName = "Emulator",
                ClientId = DemoAccount.ClientId,
                ClientSecret = Secret.From(DemoAccount.ClientSecret),
                Jwt = Secret.From(jwt),
                Transport = Emulator.CreateHandler,
                Clock = Clock,
            };
            configure?.Invoke(o);
            return o;
        }

        public long Count(string method, string route) => Emulator.Statistics.Count(method, route);

        public void Dispose() => Session?.Dispose();
    }
}
