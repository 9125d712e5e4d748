using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.LoadBalancer.Routing;
using Orleans.LoadBalancer.Routing.Algorithms;

namespace Orleans.LoadBalancer.Benchmarks;

/// <summary>
/// For each algorithm and N: the largest exact key-space share over the ideal 1/N, the keys moved going from N to N+1
/// over the ideal 1/(N+1) (exact, and over 100,000 seeded random keys), the fraction moved between old replicas,
/// whether removing the newcomer restores every key, lookup cost, the cost of a membership change (table update plus
/// snapshot, adding the newcomer to N or removing it from N + 1) and snapshot size.
/// Prints one JSON object per line, or with <c>--markdown</c> the table and a summary against the targets; given a
/// file too, it replaces the part of that file between the ring-report markers with them.
/// </summary>
public static class RingReport
{
    public const string BeginMarker = "<!-- ring-report:begin -->";
    public const string EndMarker = "<!-- ring-report:end -->";

    private const int Keys = 100_000;
    private const string Newcomer = "newcomer";
    private static readonly int[] ReplicaCounts = [2, 3, 4, 5, 6, 8, 16, 32, 64];
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary><c>ring-report [--markdown [FILE]]</c>; returns the process exit code.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var markdown = args.Count > 0 && args[0] == "--markdown";
        if ((args.Count > 0 && !markdown) || args.Count > 2)
        {
            Console.Error.WriteLine("Usage: ring-report [--markdown [FILE]]");
            return 2;
        }

        var keys = RandomKeys(Keys);
        var rows = new List<RingReportRow>();
        foreach (var algorithm in RoutingSettings.Algorithms)
        {
            foreach (var n in ReplicaCounts)
            {
                var row = Measure(algorithm, n, keys);
                rows.Add(row);
                if (!markdown)
                {
                    output.WriteLine(JsonSerializer.Serialize(row, Json));
                }
            }
        }

        var weighted = new List<WeightedRingReportRow>();
        foreach (var algorithm in new[] { RoutingSettings.Slots, RoutingSettings.Maglev, RoutingSettings.Ring })
        {
            foreach (var weights in WeightMixes)
            {
                var row = MeasureWeighted(algorithm, weights, keys);
                weighted.Add(row);
                if (!markdown)
                {
                    output.WriteLine(JsonSerializer.Serialize(row, Json));
                }
            }
        }

        if (!markdown)
        {
            return 0;
        }

        var section = RingReportMarkdown.Table(rows) + RingReportMarkdown.Weighted(weighted);
        output.Write(section);
        if (args.Count == 2)
        {
            return RingReportMarkdown.Replace(args[1], section) ? 0 : 1;
        }

        return 0;
    }

    private static RingReportRow Measure(string algorithm, int n, string[] keys)
    {
        var settings = new RoutingSettings { Algorithm = algorithm };
        if (n + 1 > settings.Capacity)
        {
            return new RingReportRow(algorithm, n) { Error = $"{algorithm} holds at most {settings.Capacity} replicas" };
        }

        var table = RoutingTable.Create(settings).Add(Enumerable.Range(1, n).Select(i => $"replica-{i}").ToList());
        var snapshot = Build(table);
        var grownTable = table.Add([Newcomer]);
        var grown = Build(grownTable);
        var restored = Build(grownTable.Remove([Newcomer]));

        var (moved, betweenOld, restores) = Compare(snapshot, grown, restored, keys.Select(k => snapshot.Hash(k)).ToArray());
        double? exactMoved = null, exactBetweenOld = null;
        if (ExactPositions(settings) is { } positions)
        {
            // Every slot or table entry once: the exact fractions of the key space.
            (exactMoved, exactBetweenOld, var restoresAll) = Compare(snapshot, grown, restored, positions);
            restores &= restoresAll;
        }
        else
        {
            // ring and classic: a key changes owner only when one of the newcomer's points lands before it, so the
            // fraction moved is the newcomer's exact share.
            exactMoved = grown.Share(grown.Count - 1);
        }

        return new RingReportRow(algorithm, n)
        {
            MaxShareOverIdeal = Math.Round(Enumerable.Range(0, n).Max(snapshot.Share) * n, 4),
            RemapOnAddExact = Math.Round(exactMoved.Value * (n + 1), 4),
            RemapOnAddOverIdeal = Math.Round(moved * (n + 1), 4),
            MovedBetweenOldExact = exactBetweenOld is { } exact ? Math.Round(exact, 5) : null,
            MovedBetweenOld = Math.Round(betweenOld, 5),
            RemoveRestores = restores,
            LookupNs = Math.Round(LookupNs(snapshot, keys), 1),
            RebuildOnAddMs = Math.Round(RebuildMs(() => table.Add([Newcomer])), 3),
            RebuildOnRemoveMs = Math.Round(RebuildMs(() => grownTable.Remove([Newcomer])), 3),
            SnapshotBytes = snapshot.TableBytes,
        };
    }

    /// <summary>Mixed weights the weighted rows use: small mixes, a heavy one among light ones, and 16 random weights 1–100.</summary>
    private static readonly int[][] WeightMixes =
    [
        [1, 2, 3],
        [1, 1, 1, 5],
        [1, 2, 3, 4, 5, 6, 7, 8],
        [.. Enumerable.Range(0, 16).Select(i => 1 + (int)(KeyHash.Mix((ulong)i, 0x5EED) % 100))],
    ];

    /// <summary>
    /// Shares against the ideal weighted share w/W (exact), and a weight change: the first replica's weight tripled
    /// (capped at 100), what moved, what moved between two unchanged replicas, and whether setting it back restores every key.
    /// </summary>
    private static WeightedRingReportRow MeasureWeighted(string algorithm, int[] weights, string[] keys)
    {
        var settings = new RoutingSettings { Algorithm = algorithm };
        var names = Enumerable.Range(1, weights.Length).Select(i => $"replica-{i}").ToList();
        var table = RoutingTable.Create(settings).Add(names, [.. weights.Select(w => RoutingTable.TableWeight(w))]);
        var snapshot = Build(table);
        var total = (double)weights.Sum();
        var ratios = Enumerable.Range(0, weights.Length).Select(i => snapshot.Share(i) / (weights[i] / total)).ToList();

        var changed = names[0];
        var heavier = Math.Min(RoutingTable.MaxWeight, weights[0] * 3);
        var changedTable = table.ChangeWeights([KeyValuePair.Create(changed, RoutingTable.TableWeight(heavier))]);
        var after = Build(changedTable);
        var back = Build(changedTable.ChangeWeights([KeyValuePair.Create(changed, RoutingTable.TableWeight(weights[0]))]));
        var hashes = ExactPositions(settings) ?? keys.Select(k => snapshot.Hash(k)).ToArray();
        int moved = 0, between = 0;
        var restores = true;
        foreach (var hash in hashes)
        {
            var (owner, now) = (snapshot.Replicas[snapshot.Route(hash)].Name, after.Replicas[after.Route(hash)].Name);
            if (owner != now)
            {
                moved++;
                between += owner != changed && now != changed ? 1 : 0;
            }

            restores &= back.Replicas[back.Route(hash)].Name == owner;
        }

        return new WeightedRingReportRow(algorithm, string.Join(",", weights))
        {
            MaxShareOverIdeal = Math.Round(ratios.Max(), 4),
            MinShareOverIdeal = Math.Round(ratios.Min(), 4),
            Exact = ExactPositions(settings) is not null,
            Change = $"{changed}: {weights[0]} → {heavier}",
            MovedOnChange = Math.Round(moved / (double)hashes.Length, 5),
            IdealMovedOnChange = Math.Round(Math.Abs((heavier / (total - weights[0] + heavier)) - (weights[0] / total)), 5),
            MovedBetweenUnchanged = Math.Round(between / (double)hashes.Length, 5),
            SetBackRestores = restores,
        };
    }

    /// <summary>Fractions of <paramref name="hashes"/> that moved on the add and that moved between old replicas, and whether the remove restored every one.</summary>
    private static (double Moved, double BetweenOld, bool Restores) Compare(RoutingSnapshot before, RoutingSnapshot grown, RoutingSnapshot restored, ulong[] hashes)
    {
        int moved = 0, betweenOld = 0;
        var restores = true;
        foreach (var hash in hashes)
        {
            var owner = before.Replicas[before.Route(hash)].Name;
            var after = grown.Replicas[grown.Route(hash)].Name;
            if (owner != after)
            {
                moved++;
                betweenOld += after == Newcomer ? 0 : 1;
            }

            restores &= restored.Replicas[restored.Route(hash)].Name == owner;
        }

        return (moved / (double)hashes.Length, betweenOld / (double)hashes.Length, restores);
    }

    /// <summary>One hash per slot (slots) or per table entry (maglev), so that counting owners is exact, not sampled.</summary>
    private static ulong[]? ExactPositions(RoutingSettings settings) => settings.Policy.Lookup switch
    {
        LookupKind.Slots => Enumerable.Range(0, settings.SlotCount)
            .Select(i => (ulong)(((UInt128)(ulong)i << 64) / (ulong)settings.SlotCount) + 1).ToArray(),
        LookupKind.Maglev => Enumerable.Range(0, settings.MaglevTableSize).Select(i => (ulong)i).ToArray(),
        _ => null,
    };

    private static RoutingSnapshot Build(RoutingTable table) =>
        RoutingSnapshot.Create(1, table, table.Members.Select(m => new RoutedReplica(m, "http://127.0.0.1:1", true)).ToList());

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

    /// <summary>
    /// What a membership change costs the RingGrain: the table update plus the new snapshot, best of eleven (the machine
    /// may be shared; BenchmarkDotNet gives the mean with its error).
    /// </summary>
    private static double RebuildMs(Func<RoutingTable> change)
    {
        var best = double.MaxValue;
        for (var pass = 0; pass < 11; pass++)
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
