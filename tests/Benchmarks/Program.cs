using BenchmarkDotNet.Running;
using Orleans.LoadBalancer.Benchmarks;

// ring-report (default): balance, disruption and lookup cost per algorithm and replica count, one JSON object per line.
// bench [BenchmarkDotNet arguments]: the micro-benchmarks (ns and bytes per lookup, snapshot rebuild).
var command = args.FirstOrDefault() ?? "ring-report";
switch (command)
{
    case "ring-report":
        RingReport.Run(Console.Out);
        break;
    case "bench":
        BenchmarkSwitcher.FromAssembly(typeof(RoutingLookupBenchmarks).Assembly).Run(args[1..]);
        break;
    default:
        Console.Error.WriteLine($"Unknown command '{command}'. Use: ring-report | bench [BenchmarkDotNet arguments]");
        return 2;
}

return 0;
