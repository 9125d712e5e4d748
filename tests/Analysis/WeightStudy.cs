using Spectre.Console;

namespace Orleans.LoadBalancer.Analysis;

/// <summary>
/// Shares under mixed weights: the replicas found get weights 1, 2, 3, 1, 2, 3, … (<c>PUT /replicas/{name}/weight</c>),
/// the fixed keys are sent under each weighted algorithm, and every weight is set back at the end, failures included.
/// </summary>
public sealed class WeightStudy(GatewayClient gateway, AnalysisOptions options, ProgressContext progress)
{
    public static readonly IReadOnlyList<int> Mix = [1, 2, 3];

    /// <summary>The algorithms with weights; <c>classic</c> has none and refuses any weight but 1.</summary>
    public static readonly IReadOnlyList<string> Algorithms = ["slots", "ring", "maglev"];

    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(20);

    public async Task<WeightResults> RunAsync(CancellationToken cancellationToken)
    {
        var names = await gateway.RepAsync(cancellationToken);
        var weights = names.Select((n, i) => (n, Mix[i % Mix.Count])).ToDictionary(x => x.n, x => x.Item2, StringComparer.Ordinal);
        var results = new WeightResults(GatewayClient.RandomIds(options.Requests, seed: 1), names, weights);
        if (names.Count < 2)
        {
            results.Notes.Add($"Not measured: the cluster has {names.Count} replica, and a mix needs two");
            return results;
        }

        var before = (await gateway.ReplicasAsync(cancellationToken)).ToDictionary(r => r.Name, r => r.Weight, StringComparer.Ordinal);
        try
        {
            results.Classic = await ProbeClassicAsync(names[^1], before, cancellationToken);
            foreach (var algorithm in Algorithms)
            {
                await gateway.SetAlgorithmAsync(algorithm, cancellationToken);
                foreach (var (name, weight) in weights)
                {
                    await gateway.SetWeightAsync(name, weight, cancellationToken);
                }

                results.Points.Add(await MeasureAsync(algorithm, weights, results.Keys, cancellationToken));
            }
        }
        finally
        {
            // Set back here, under a weighted algorithm, so that the baseline can go back to classic if it was there.
            foreach (var (name, weight) in before.Where(b => b.Value > 0 && weights.ContainsKey(b.Key)))
            {
                await gateway.SetWeightAsync(name, weight, CancellationToken.None);
            }
        }

        results.Restored = (await gateway.ReplicasAsync(cancellationToken)).Where(r => before.ContainsKey(r.Name)).All(r => r.Weight == before[r.Name]);
        return results;
    }

    /// <summary>
    /// Under <c>classic</c>, a weight of 2 must be refused (400) and change nothing. Only tried when every weight is 1: with
    /// any other weight the ring cannot route with classic at all.
    /// </summary>
    private async Task<ClassicProbe?> ProbeClassicAsync(string name, IReadOnlyDictionary<string, int> before, CancellationToken cancellationToken)
    {
        if (before.Values.Any(w => w != 1))
        {
            return null;
        }

        await gateway.SetAlgorithmAsync("classic", cancellationToken);
        var reply = await gateway.PutWeightAsync(name, 2, cancellationToken);
        var after = (await gateway.ReplicasAsync(cancellationToken)).FirstOrDefault(r => r.Name == name)?.Weight;
        return new ClassicProbe(name, reply.Status, reply.Body, after ?? 0);
    }

    private async Task<WeightedMeasurement> MeasureAsync(
        string algorithm, IReadOnlyDictionary<string, int> weights, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var ring = await SettledRingAsync(algorithm, weights, cancellationToken);
        var task = progress.AddTask(Markup.Escape($"{algorithm}, weights {string.Join(" ", weights.Values)}: {keys.Count:N0} requests"), maxValue: keys.Count);
        var load = await KeyLoad.RunAsync(gateway.Http, keys, options.Concurrency, () => task.Increment(1), cancellationToken);
        task.StopTask();
        var after = await gateway.RingAsync(cancellationToken);
        return new WeightedMeasurement(algorithm, ring, load, after.Version != ring.Version);
    }

    /// <summary>The ring once it routes with <paramref name="algorithm"/>, every replica up at its whole weight (no slow start left).</summary>
    private async Task<RingView> SettledRingAsync(string algorithm, IReadOnlyDictionary<string, int> weights, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + SettleTimeout;
        while (true)
        {
            var ring = await gateway.RingAsync(cancellationToken);
            if (ring.Algorithm == algorithm && ring.AllUp && ring.Names.ToHashSet(StringComparer.Ordinal).SetEquals(weights.Keys)
                && ring.Replicas.All(r => r.Weight == weights[r.Name] && r.EffectiveWeight == r.Weight))
            {
                return ring;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException(
                    $"The ring did not settle on {algorithm} with weights [{string.Join(", ", weights.Select(w => $"{w.Key}: {w.Value}"))}] within {SettleTimeout.TotalSeconds:0} s: " +
                    $"it routes with {ring.Algorithm} over [{string.Join(", ", ring.Replicas.Select(r => $"{r.Name}: {r.EffectiveWeight}/{r.Weight}{(r.Up ? "" : " (down)")}"))}]");
            }

            await Task.Delay(50, cancellationToken);
        }
    }
}

/// <summary>What the weighted study measured.</summary>
public sealed class WeightResults(IReadOnlyList<string> keys, IReadOnlyList<string> names, IReadOnlyDictionary<string, int> weights)
{
    public IReadOnlyList<string> Keys { get; } = keys;

    /// <summary>The replicas in <c>/rep</c> order.</summary>
    public IReadOnlyList<string> Names { get; } = names;

    public IReadOnlyDictionary<string, int> Weights { get; } = weights;

    public int TotalWeight => Weights.Values.Sum();

    public List<WeightedMeasurement> Points { get; } = [];

    /// <summary>What <c>classic</c> answered to a weight; null when not tried.</summary>
    public ClassicProbe? Classic { get; set; }

    /// <summary>Every weight was back at its value from before the study when it ended.</summary>
    public bool Restored { get; set; }

    public List<string> Notes { get; } = [];

    /// <summary>w / W.</summary>
    public double IdealShare(string name) => Weights[name] / (double)TotalWeight;
}

/// <summary>One load of the fixed keys under one algorithm with the replicas at their mixed weights.</summary>
public sealed record WeightedMeasurement(string Algorithm, RingView Ring, LoadResult Load, bool RingChanged)
{
    public int Served => Load.Routes.Length - Load.Failures;

    public int Requests(string name) => Load.Routes.Count(r => r == name);

    public double ShareOf(string name) => Ring.Replicas.FirstOrDefault(r => r.Name == name)?.Share ?? 0;

    /// <summary>The most requests any replica served over its ideal w / W of the requests served.</summary>
    public double MaxOverIdeal(WeightResults results) =>
        results.Names.Max(n => Requests(n) / (results.IdealShare(n) * Served));

    /// <summary>The largest exact key-space share from <c>/ring</c> over its ideal w / W.</summary>
    public double ExactMaxOverIdeal(WeightResults results) =>
        results.Names.Max(n => ShareOf(n) / results.IdealShare(n));
}

/// <summary><c>PUT /replicas/{name}/weight {"weight": 2}</c> under <c>classic</c>, and the weight the replica had afterwards.</summary>
public sealed record ClassicProbe(string Replica, int Status, string Body, int WeightAfter);
