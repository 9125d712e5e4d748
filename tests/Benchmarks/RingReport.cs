using System.Diagnostics;
using System.Text.Json;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Benchmarks;

/// <summary>
/// For each algorithm and N: the largest exact key-space share over the ideal 1/N, the keys moved going from N to N+1
/// over the ideal 1/(N+1) (100,000 seeded random keys), the fraction moved between old replicas, whether removing the
/// newcomer restores every key, lookup cost, the cost of a membership change (table update plus snapshot, adding the
/// newcomer to N or removing it from N + 1) and snapshot size.
/// </summary>
public static class RingReport
{
    private static readonly int[] ReplicaCounts = [2, 3, 4, 5, 6, 8, 16, 32, 64];
    private const int Keys = 100_000;

    public static void Run(TextWriter output)
    {
        var keys = RandomKeys(Keys);
        foreach (var algorithm in RoutingSettings.Algorithms)
        {
            foreach (var n in ReplicaCounts)
            {
                output.WriteLine(JsonSerializer.Serialize(Measure(algorithm, n, keys)));
            }
        }
    }

    private static Dictionary<string, object> Measure(string algorithm, int n, string[] keys)
    {
        var row = new Dictionary<string, object> { ["algorithm"] = algorithm, ["replicas"] = n };
        var settings = new RoutingSettings { Algorithm = algorithm };
        if (n + 1 > settings.Capacity)
        {
            row["error"] = $"{algorithm} holds at most {settings.Capacity} replicas";
            return row;
        }

        var names = Enumerable.Range(1, n).Select(i => $"replica-{i}").ToList();
        var table = RoutingTable.Create(settings).Add(names);
        var snapshot = Build(table);
        var grownTable = table.Add(["newcomer"]);
        var grown = Build(grownTable);
        var restored = Build(grownTable.Remove(["newcomer"]));

        var before = Owners(snapshot, keys);
        var after = Owners(grown, keys);
        var back = Owners(restored, keys);
        int moved = 0, betweenOld = 0;
        for (var i = 0; i < keys.Length; i++)
        {
            if (before[i] != after[i])
            {
                moved++;
                if (grown.Replicas[after[i]].Name != "newcomer")
                {
                    betweenOld++;
                }
            }
        }

        if (ExactPositions(settings) is { } positions)
        {
            // Every slot or table entry once: the exact fraction of the key space that moved.
            var exactMoved = positions.Count(h => snapshot.Replicas[snapshot.Owner(h)].Name != grown.Replicas[grown.Owner(h)].Name);
            row["remapOnAddExact"] = Math.Round(exactMoved / (double)positions.Length * (n + 1), 4);
        }

        var maxShare = Enumerable.Range(0, n).Max(snapshot.Share);
        row["maxShareOverIdeal"] = Math.Round(maxShare * n, 4);
        row["remapOnAddOverIdeal"] = Math.Round(moved / (double)keys.Length * (n + 1), 4);
        row["movedBetweenOld"] = Math.Round(betweenOld / (double)keys.Length, 5);
        row["removeRestores"] = before.SequenceEqual(back);
        row["lookupNs"] = Math.Round(LookupNs(snapshot, keys), 1);
        row["rebuildOnAddMs"] = Math.Round(RebuildMs(() => table.Add(["newcomer"])), 3);
        row["rebuildOnRemoveMs"] = Math.Round(RebuildMs(() => grownTable.Remove(["newcomer"])), 3);
        row["snapshotBytes"] = snapshot.TableBytes;
        return row;
    }

    /// <summary>One hash per slot (slots) or per table entry (maglev), so that counting owners is exact, not sampled.</summary>
    private static ulong[]? ExactPositions(RoutingSettings settings) => settings.Algorithm switch
    {
        RoutingSettings.Slots => Enumerable.Range(0, settings.SlotCount)
            .Select(i => (ulong)(((UInt128)(ulong)i << 64) / (ulong)settings.SlotCount) + 1).ToArray(),
        RoutingSettings.Maglev => Enumerable.Range(0, settings.MaglevTableSize).Select(i => (ulong)i).ToArray(),
        _ => null,
    };

    private static RoutingSnapshot Build(RoutingTable table) =>
        RoutingSnapshot.Create(1, table, table.Members.Select(m => new RoutedReplica(m, "http://127.0.0.1:1", true)).ToList());

    private static int[] Owners(RoutingSnapshot snapshot, string[] keys) => keys.Select(k => snapshot.Route(snapshot.Hash(k))).ToArray();

    /// <summary>Hash plus lookup of 36-character keys, best of five passes (a quick figure; BenchmarkDotNet gives the careful one).</summary>
    private static double LookupNs(RoutingSnapshot snapshot, string[] keys)
    {
        var best = double.MaxValue;
        var sink = 0;
        for (var pass = 0; pass < 5; pass++)
        {
            var clock = Stopwatch.StartNew();
            foreach (var key in keys)
            {
                sink += snapshot.Route(snapshot.Hash(key));
            }

            best = Math.Min(best, clock.Elapsed.TotalNanoseconds / keys.Length);
        }

        GC.KeepAlive(sink);
        return best;
    }

    /// <summary>What a membership change costs the RingGrain: the table update plus the new snapshot, best of five.</summary>
    private static double RebuildMs(Func<RoutingTable> change)
    {
        var best = double.MaxValue;
        for (var pass = 0; pass < 5; pass++)
        {
            var clock = Stopwatch.StartNew();
            Build(change());
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
        }

        return best;
    }

    public static string[] RandomKeys(int count)
    {
        var random = new Random(42);
        var bytes = new byte[16];
        return Enumerable.Range(0, count).Select(_ =>
        {
            random.NextBytes(bytes);
            return new Guid(bytes).ToString();
        }).ToArray();
    }
}
