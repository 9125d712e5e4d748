using Spectre.Console;

namespace Orleans.LoadBalancer.Analysis;

/// <summary>
/// A-1, A-2 and A-4: one fixed set of keys sent on N = 2…6 replicas under every algorithm, on the same named replica
/// sets for every algorithm, and the keys that move when one replica is added to N.
/// </summary>
public sealed class BalanceStudy(GatewayClient gateway, AnalysisOptions options, ProgressContext progress)
{
    public static readonly IReadOnlyList<string> Algorithms = ["classic", "ring", "maglev", "slots"];
    public const int MinN = 2;
    public const int MaxN = 6;

    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(20);

    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

    public async Task<BalanceResults> RunAsync(ClusterBaseline baseline, CancellationToken cancellationToken)
    {
        var results = new BalanceResults(GatewayClient.RandomIds(options.Requests, seed: 1));
        _taken.UnionWith(baseline.Names);
        var working = baseline.Names.ToList();

        // Fewer than two replicas: grow once, for every algorithm.
        var grow = Enumerable.Range(working.Count + 1, Math.Max(0, MinN - working.Count)).Select(NewName).ToList();
        await gateway.AddAsync(grow, cancellationToken);
        working.AddRange(grow);

        // From the set found up to MaxN + 1, adding one named replica at a time under each algorithm.
        var start = working.Count;
        if (start <= MaxN)
        {
            var additions = Enumerable.Range(start + 1, MaxN + 1 - start).Select(NewName).ToList();
            foreach (var algorithm in Algorithms)
            {
                await GrowAsync(results, algorithm, working, additions, additionsArePoints: true, cancellationToken);
            }
        }

        // Below the set found: the cluster's own replicas must go, one at a time and once for all algorithms.
        if (start > MinN && options.KeepReplicas)
        {
            results.Notes.Add($"N below {start} not measured: --keep-replicas keeps the {start} replicas the cluster started with");
            return results;
        }

        for (var n = start - 1; n >= MinN; n--)
        {
            var removed = PickRemoval(working, baseline.Names);
            await gateway.RemoveAsync([removed], cancellationToken);
            working.Remove(removed);
            results.Removed.Add(removed);
            if (n > MaxN)
            {
                continue;
            }

            var addition = NewName(n + 1);
            foreach (var algorithm in Algorithms)
            {
                await GrowAsync(results, algorithm, working, [addition], additionsArePoints: false, cancellationToken);
            }
        }

        return results;
    }

    /// <summary>
    /// Measures <paramref name="names"/>, then adds each of <paramref name="additions"/> in turn and measures again;
    /// removes them after. Below the set found, the added replica is only there to measure the move, not a point of A-2.
    /// </summary>
    private async Task GrowAsync(
        BalanceResults results, string algorithm, IReadOnlyList<string> names, IReadOnlyList<string> additions, bool additionsArePoints, CancellationToken cancellationToken)
    {
        await gateway.SetAlgorithmAsync(algorithm, cancellationToken);
        var set = names.ToList();
        var previous = await MeasureAsync(algorithm, set, results.Keys, cancellationToken);
        results.Points.Add(previous);
        foreach (var addition in additions)
        {
            await gateway.AddAsync([addition], cancellationToken);
            set.Add(addition);
            var current = await MeasureAsync(algorithm, set, results.Keys, cancellationToken);
            results.Moves.Add(Move.Between(previous, current));

            if (additionsArePoints && current.N <= MaxN)
            {
                results.Points.Add(current);
            }

            previous = current;
        }

        await gateway.RemoveAsync(additions, cancellationToken);
    }

    private async Task<Measurement> MeasureAsync(string algorithm, List<string> names, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var ring = await SettledRingAsync(algorithm, names, cancellationToken);
        var task = progress.AddTask(Markup.Escape($"{algorithm}, N = {names.Count}: {keys.Count:N0} requests"), maxValue: keys.Count);
        var load = await KeyLoad.RunAsync(gateway.Http, keys, options.Concurrency, () => task.Increment(1), cancellationToken);
        task.StopTask();
        var after = await gateway.RingAsync(cancellationToken);
        return new Measurement(algorithm, names.ToList(), ring, load, after.Version != ring.Version);
    }

    /// <summary>The ring once it routes with <paramref name="algorithm"/> over exactly <paramref name="names"/>, all up.</summary>
    private async Task<RingView> SettledRingAsync(string algorithm, IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + SettleTimeout;
        while (true)
        {
            var ring = await gateway.RingAsync(cancellationToken);
            if (ring.Algorithm == algorithm && ring.AllUp && ring.Names.ToHashSet(StringComparer.Ordinal).SetEquals(names))
            {
                return ring;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException(
                    $"The ring did not settle on {algorithm} over [{string.Join(", ", names)}] within {SettleTimeout.TotalSeconds:0} s: " +
                    $"it routes with {ring.Algorithm} over [{string.Join(", ", ring.Replicas.Select(r => r.Up ? r.Name : r.Name + " (down)"))}]");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>The last of the cluster's own replicas (/add brings it back by name afterwards).</summary>
    private static string PickRemoval(IReadOnlyList<string> working, IReadOnlyList<string> original) =>
        working.Last(original.Contains);

    /// <summary><c>S&lt;position&gt;</c>, so the same position has the same name under every algorithm.</summary>
    private string NewName(int position)
    {
        var name = $"S{position}";
        for (var i = 2; !_taken.Add(name); i++)
        {
            name = $"S{position}-{i}";
        }

        return name;
    }
}

/// <summary>Everything A-1, A-2 and A-4 measured.</summary>
public sealed class BalanceResults(IReadOnlyList<string> keys)
{
    public IReadOnlyList<string> Keys { get; } = keys;

    /// <summary>One measurement per algorithm and N on the canonical set for that N.</summary>
    public List<Measurement> Points { get; } = [];

    public List<Move> Moves { get; } = [];

    /// <summary>The cluster's own replicas taken out to reach N below its size.</summary>
    public List<string> Removed { get; } = [];

    public List<string> Notes { get; } = [];

    public IReadOnlyList<int> Ns => Points.Select(p => p.N).Distinct().Order().ToList();

    public Measurement? Point(string algorithm, int n) => Points.FirstOrDefault(p => p.Algorithm == algorithm && p.N == n);

    public Move? MoveFrom(string algorithm, int n) => Moves.FirstOrDefault(m => m.Algorithm == algorithm && m.From == n);
}
