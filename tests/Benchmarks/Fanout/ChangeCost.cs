using System.Diagnostics;
using Orleans.LoadBalancer.Grains.Ring;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;
using Orleans.Serialization;

namespace Orleans.LoadBalancer.Benchmarks.Fanout;

/// <summary>
/// The silo's CPU for one change, measured outside the grain on the same work: the table change, building the snapshot
/// and its delta (the RingGrain's turn), and serializing the pushed message once per gateway (the messaging layer).
/// </summary>
internal static class ChangeCost
{
    private const int Repeats = 15;

    public static (double TurnMicros, double SerializeMicros, int StateBytes, double StateMicros) Measure(int replicas, int gateways, Serializer serializer)
    {
        var ring = Guid.NewGuid();
        var names = Enumerable.Range(1, replicas).Select(i => $"replica-{i}").ToList();
        var table = RoutingTable.Create(RoutingSettings.Default).Add(names);
        var records = names.Select(Record).ToList();
        var current = Snapshot(table, records, 1);
        var turns = new List<double>();
        var serializing = new List<double>();
        for (var r = 0; r < Repeats; r++)
        {
            var version = current.Version;
            foreach (var kind in FanoutBenchmark.Kinds)
            {
                var clock = Stopwatch.StartNew();
                (table, records) = kind switch
                {
                    "add" => (table.Add(["extra"]), [.. records, Record("extra")]),
                    "remove" => (table.Remove(["extra"]), records.Where(x => x.Name != "extra").ToList()),
                    "down" => (table, records.Select((x, i) => i == 0 ? x with { IsUp = false } : x).ToList()),
                    _ => (table, records.Select((x, i) => i == 0 ? x with { IsUp = true } : x).ToList()),
                };
                var next = Snapshot(table, records, ++version);
                object message = next.DeltaFrom(current) is { } delta ? delta : next;
                turns.Add(clock.Elapsed.TotalMicroseconds);

                clock.Restart();
                for (var g = 0; g < gateways; g++)
                {
                    serializer.SerializeToArray(message);
                }

                serializing.Add(clock.Elapsed.TotalMicroseconds);
                current = next;
            }
        }

        // What the RingGrain stores per table change (its whole state, the slot history included), as storage serializes it.
        var state = new RingGrainState { Version = current.Version, Table = table, Replicas = [.. records.Select(r => new ReplicaRecord(r.Name, r.Address, "0", r.IsUp))], RingId = ring, Epoch = 1 };
        var stateBytes = 0;
        var storing = new List<double>();
        for (var r = 0; r < Repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            stateBytes = serializer.SerializeToArray(state).Length;
            storing.Add(clock.Elapsed.TotalMicroseconds);
        }

        return (Median(turns), Median(serializing), stateBytes, Median(storing));

        RoutingSnapshot Snapshot(RoutingTable t, List<RoutedReplica> r, long v) => RoutingSnapshot.Create(v, t, r) with { RingId = ring, Epoch = 1 };
    }

    private static RoutedReplica Record(string name) => new(name, $"http://127.0.0.1:9000/{name}", true);

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
