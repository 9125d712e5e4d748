using BenchmarkDotNet.Running;
using Orleans.LoadBalancer.Benchmarks;

// ring-report (default): balance, disruption, lookup and membership-change cost per algorithm and replica count, one
//   JSON object per line; ring-report --markdown [FILE]: the same as a Markdown table with a summary against the
//   targets, written between the ring-report markers of FILE when given (docs/routing.md).
// fanout [--cycles C]: what many gateways cost (K followers, N replicas: time until all route on a change, bytes, CPU).
// bench [BenchmarkDotNet arguments]: the micro-benchmarks (ns and bytes per lookup, membership change at N = 64).
var command = args.FirstOrDefault() ?? "ring-report";
switch (command)
{
    case "ring-report":
        return RingReport.Run(args.Length > 0 ? args[1..] : [], Console.Out);
    case "fanout":
        return await Orleans.LoadBalancer.Benchmarks.Fanout.FanoutBenchmark.RunAsync(args[1..], Console.Out);
    case "bench":
        BenchmarkSwitcher.FromAssembly(typeof(RoutingLookupBenchmarks).Assembly).Run(args[1..]);
        return 0;
    default:
        Console.Error.WriteLine($"Unknown command '{command}'. Use: ring-report [--markdown [FILE]] | fanout [--cycles C] | bench [BenchmarkDotNet arguments]");
        return 2;
}
