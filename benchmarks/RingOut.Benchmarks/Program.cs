using System;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using RingOut.Benchmarks;

// dotnet run -c Release --project benchmarks/RingOut.Benchmarks               all BenchmarkDotNet benchmarks, then the figures
// dotnet run -c Release --project benchmarks/RingOut.Benchmarks -- figures    only the figures (counts and virtual times)
// dotnet run -c Release --project benchmarks/RingOut.Benchmarks -- startup    cold import, first Connect, Invoke-RestMethod in pwsh
//                                                         -- startup calls   only the cmdlets against Invoke-RestMethod in pwsh
//   (RINGOUT_PWSH names the pwsh; RINGOUT_BEFORE_MODULE another build's module folder, measured side by side)
// dotnet run -c Release --project benchmarks/RingOut.Benchmarks -- --filter '*Import*'   any BenchmarkDotNet arguments

if (args.Length == 2 && args[0] == "cold")
{
    Startup.Child(args[1]);
    return;
}
if (args.Length == 1 && args[0] == "startup")
{
    Startup.Print();
    return;
}
if (args.Length == 2 && args[0] == "startup" && args[1] == "calls")
{
    if (Startup.Pwsh() is string pwsh) Startup.RealPwsh(pwsh, Startup.Before);
    else Console.WriteLine("real pwsh: not found (set RINGOUT_PWSH)");
    return;
}
if (args.Length == 1 && args[0] == "figures")
{
    Figures.Print();
    return;
}
if (args.Length == 2 && args[0] == "figures" && args[1] == "f")
{
    Figures.PrintPlaceFirstThenWait();
    return;
}
var config = ManualConfig.Create(DefaultConfig.Instance)
    .AddJob(Job.ShortRun.WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(15), logOutput: false)).WithWarmupCount(2).WithIterationCount(8));
if (args.Length == 0)
{
    BenchmarkRunner.Run(typeof(Program).Assembly, config);
    Figures.Print();
}
else BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
