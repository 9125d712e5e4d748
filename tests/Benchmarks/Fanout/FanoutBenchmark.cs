using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;
using Orleans.Serialization;

namespace Orleans.LoadBalancer.Benchmarks.Fanout;

/// <summary>
/// <c>fanout [--cycles C]</c>: what many gateways cost. One in-process silo with the real RingGrain (default table:
/// slots, M = 65,536) and K Orleans clients, each running the gateway's real <see cref="RingFollower"/>; for
/// K = 1, 8, 32, 64 and N = 3, 64 replicas, C cycles of four changes (add one replica, remove it, mark one down, mark
/// it up). Per change: the time from the RingGrain call until all K route on the new version, the bytes pushed per
/// gateway (the serialized delta, or whole snapshot), the silo's CPU, and the whole process's CPU.
/// </summary>
internal static class FanoutBenchmark
{
    public static readonly string[] Kinds = ["add", "remove", "down", "up"];
    private static readonly int[] GatewayCounts = [1, 8, 32, 64];
    private static readonly int[] ReplicaCounts = [3, 64];

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output)
    {
        var cycles = 25;
        if (args.Count == 2 && args[0] == "--cycles" && int.TryParse(args[1], CultureInfo.InvariantCulture, out var c) && c > 0)
        {
            cycles = c;
        }
        else if (args.Count > 0)
        {
            Console.Error.WriteLine("Usage: fanout [--cycles C]");
            return 2;
        }

        var serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        output.WriteLine($"load average before: {LoadAverage()}; {Environment.ProcessorCount} cores; {cycles} cycles of {string.Join("/", Kinds)} per row");
        var started = Stopwatch.StartNew();
        await using var cluster = await FanoutCluster.StartAsync(GatewayCounts.Max());
        output.WriteLine($"silo and {GatewayCounts.Max()} clients up in {started.Elapsed.TotalSeconds:F1} s");

        var rows = new List<Row>();
        foreach (var replicas in ReplicaCounts)
        {
            await ResetAsync(cluster.Ring, replicas);
            foreach (var gateways in GatewayCounts)
            {
                var row = await MeasureAsync(cluster, gateways, replicas, cycles, serializer);
                rows.Add(row);
                output.WriteLine(row.Line);
            }
        }

        var throughput = await ThroughputAsync(cluster, 32);
        var loadAfter = LoadAverage();
        output.WriteLine();
        output.WriteLine(Row.Header);
        output.WriteLine(Row.Rule);
        rows.ForEach(r => output.WriteLine(r.Line));
        output.WriteLine();
        output.WriteLine(throughput);
        output.WriteLine($"load average after: {loadAfter}; {started.Elapsed.TotalSeconds:F0} s in all");
        return rows.All(r => r.Timeouts == 0) ? 0 : 1;
    }

    /// <summary>Leaves the ring with exactly replica-1…replica-<paramref name="replicas"/>, all up.</summary>
    private static async Task ResetAsync(IRingGrain ring, int replicas)
    {
        var current = await ring.GetSnapshot();
        if (current.Count > 0)
        {
            await ring.RemoveReplicas([.. current.Replicas.Select(r => r.Name)]);
        }

        await ring.AddReplicas([.. Enumerable.Range(1, replicas).Select(i => Record($"replica-{i}"))]);
    }

    private static async Task<Row> MeasureAsync(FanoutCluster cluster, int gateways, int replicas, int cycles, Serializer serializer)
    {
        var ring = cluster.Ring;
        var followers = await cluster.StartFollowersAsync(gateways);
        try
        {
            var current = await ring.GetSnapshot();
            var deadline = Stopwatch.StartNew();
            while (followers.Any(f => current.Supersedes(f.Store.Current)) && deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(20);
            }

            var arrival = new Arrival(gateways);
            for (var i = 0; i < followers.Count; i++)
            {
                var index = i;
                followers[i].Store.Changed += (_, now) => arrival.Installed(index, now.Version);
            }

            var wholeBefore = followers.Sum(f => f.Follower.Installed.Whole);
            var samples = new List<(string Kind, double Millis, int Bytes, int WholeBytes)>();
            var timeouts = 0;
            var afterReturn = new List<double>();
            var first = Record("replica-1");
            // What the process spends meanwhile without changes (clients, renewals, timers), taken off the CPU per change.
            var process = Process.GetCurrentProcess();
            var idleStart = (process.TotalProcessorTime, Stopwatch.GetTimestamp());
            await Task.Delay(TimeSpan.FromSeconds(2));
            process.Refresh();
            var idlePerSecond = (process.TotalProcessorTime - idleStart.TotalProcessorTime).TotalMilliseconds / Stopwatch.GetElapsedTime(idleStart.Item2).TotalSeconds;
            var cpu = process.TotalProcessorTime;
            var loopStart = Stopwatch.GetTimestamp();
            for (var cycle = 0; cycle < cycles; cycle++)
            {
                foreach (var kind in Kinds)
                {
                    arrival.Expect(current.Version + 1);
                    var start = Stopwatch.GetTimestamp();
                    var next = kind switch
                    {
                        "add" => await ring.AddReplicas([Record("extra")]),
                        "remove" => await ring.RemoveReplicas(["extra"]),
                        "down" => await ring.UpdateReplicas([first with { IsUp = false }]),
                        _ => await ring.UpdateReplicas([first]),
                    };
                    var called = Stopwatch.GetTimestamp();
                    if (next.Version != current.Version + 1)
                    {
                        throw new InvalidOperationException($"Expected version {current.Version + 1}, got {next.Version}: something else changes the ring");
                    }

                    try
                    {
                        await arrival.Done.WaitAsync(TimeSpan.FromSeconds(10));
                    }
                    catch (TimeoutException)
                    {
                        timeouts++;
                    }

                    var millis = Stopwatch.GetElapsedTime(start, Math.Max(arrival.Last, start)).TotalMilliseconds;
                    afterReturn.Add(Stopwatch.GetElapsedTime(called, Math.Max(arrival.Last, called)).TotalMilliseconds);
                    var bytes = next.DeltaFrom(current) is { } delta ? serializer.SerializeToArray(delta).Length : serializer.SerializeToArray(next).Length;
                    samples.Add((kind, millis, bytes, kind == "add" ? serializer.SerializeToArray(next).Length : 0));
                    current = next;
                }
            }

            process.Refresh();
            var busy = (process.TotalProcessorTime - cpu).TotalMilliseconds - (idlePerSecond * Stopwatch.GetElapsedTime(loopStart).TotalSeconds);
            var cpuPerChange = Math.Max(0, busy) / samples.Count;
            var pulls = followers.Sum(f => f.Follower.Installed.Whole) - wholeBefore;
            var (turn, serializing, stateBytes, stateMicros) = ChangeCost.Measure(replicas, gateways, serializer);
            return new Row(gateways, replicas, samples.Select(s => s.Millis).ToList(), afterReturn, stateBytes, stateMicros,
                Bytes(samples, "add"), Bytes(samples, "remove"), Bytes(samples, "down"), samples.Max(s => s.WholeBytes),
                samples.Sum(s => (long)s.Bytes) * gateways / samples.Count, pulls, turn, serializing, cpuPerChange, timeouts);
        }
        finally
        {
            foreach (var (follower, _) in followers)
            {
                await follower.StopAsync(CancellationToken.None);
                follower.Dispose();
            }
        }
    }

    /// <summary>Back-to-back changes (each awaited, none waiting for the gateways) for a few seconds with <paramref name="gateways"/> following.</summary>
    private static async Task<string> ThroughputAsync(FanoutCluster cluster, int gateways)
    {
        var ring = cluster.Ring;
        var followers = await cluster.StartFollowersAsync(gateways);
        try
        {
            var first = Record("replica-1");
            var marks = await CountAsync(TimeSpan.FromSeconds(3), async i => await ring.UpdateReplicas([first with { IsUp = i % 2 == 1 }]));
            var tables = await CountAsync(TimeSpan.FromSeconds(3), async i => _ = i % 2 == 0 ? await ring.AddReplicas([Record("extra")]) : await ring.RemoveReplicas(["extra"]));
            var last = await ring.GetSnapshot();
            var deadline = Stopwatch.StartNew();
            while (followers.Any(f => last.Supersedes(f.Store.Current)) && deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(20);
            }

            var behind = followers.Count(f => last.Supersedes(f.Store.Current));
            return $"Sustained, one change at a time with {gateways} gateways following and N = {last.Count}: {marks:F0} health marks/s, "
                + $"{tables:F0} adds or removes/s; {gateways - behind} of {gateways} gateways on the last version {deadline.Elapsed.TotalMilliseconds:F0} ms after";
        }
        finally
        {
            foreach (var (follower, _) in followers)
            {
                await follower.StopAsync(CancellationToken.None);
                follower.Dispose();
            }
        }
    }

    private static async Task<double> CountAsync(TimeSpan duration, Func<int, Task> change)
    {
        var clock = Stopwatch.StartNew();
        var count = 0;
        while (clock.Elapsed < duration)
        {
            await change(count++);
        }

        // An even count leaves the ring as it was.
        if (count % 2 == 1)
        {
            await change(count++);
        }

        return count / clock.Elapsed.TotalSeconds;
    }

    private static int Bytes(List<(string Kind, double Millis, int Bytes, int WholeBytes)> samples, string kind) =>
        (int)samples.Where(s => s.Kind == kind).Average(s => s.Bytes);

    private static ReplicaRecord Record(string name) => new(name, $"http://127.0.0.1:9000/{name}", "0");

    private static string LoadAverage() => string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private sealed record Row(
        int Gateways, int Replicas, List<double> Millis, List<double> AfterReturn, int StateBytes, double StateMicros, int AddBytes, int RemoveBytes, int MarkBytes, int WholeBytes,
        long TotalBytes, long Pulls, double TurnMicros, double SerializeMicros, double ProcessCpuMillis, int Timeouts)
    {
        public const string Header =
            "| K gateways | N replicas | from call: p50 ms | p99 ms | max ms | after return: p50 ms | p99 ms | bytes/gateway: add | remove | mark down/up | whole snapshot | bytes/change, all K | whole fetches | RingGrain turn µs | serialize ×K µs | stored state KB | serialize state µs | process CPU above idle, ms/change |";

        public const string Rule = "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

        public string Line => string.Create(CultureInfo.InvariantCulture,
            $"| {Gateways} | {Replicas} | {Percentile(Millis, 0.50):F1} | {Percentile(Millis, 0.99):F1} | {Millis.Max():F1} | {Percentile(AfterReturn, 0.50):F1} | {Percentile(AfterReturn, 0.99):F1} | {AddBytes:N0} | {RemoveBytes:N0} | {MarkBytes:N0} | {WholeBytes:N0} | {TotalBytes:N0} | {Pulls} | {TurnMicros:F0} | {SerializeMicros:F0} | {StateBytes / 1024:N0} | {StateMicros:F0} | {ProcessCpuMillis:F1} |{(Timeouts > 0 ? $" {Timeouts} timed out" : "")}");

        private static double Percentile(List<double> values, double p)
        {
            var sorted = values.Order().ToList();
            return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
        }
    }
}
