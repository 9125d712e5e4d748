namespace Orleans.LoadBalancer.Analysis;

/// <summary>
/// The max / mean that sampling alone gives: <c>requests</c> keys thrown uniformly at N equal replicas, averaged over
/// many simulated runs. A sampled max / mean near this says the replicas' shares are equal.
/// </summary>
public static class SamplingNoise
{
    public const int Trials = 200;

    public static double MaxOverMean(int replicas, int requests, int seed = 42)
    {
        var random = new Random(seed);
        var counts = new int[replicas];
        var sum = 0.0;
        for (var trial = 0; trial < Trials; trial++)
        {
            Array.Clear(counts);
            for (var i = 0; i < requests; i++)
            {
                counts[random.Next(replicas)]++;
            }

            sum += counts.Max() / (requests / (double)replicas);
        }

        return sum / Trials;
    }

    /// <summary>
    /// The max of requests / ideal that sampling alone gives on replicas whose shares are exactly
    /// <paramref name="weights"/> / their sum, averaged over <see cref="Trials"/> simulated runs.
    /// </summary>
    public static double MaxOverIdeal(IReadOnlyList<int> weights, int requests, int seed = 42)
    {
        var random = new Random(seed);
        var total = weights.Sum();
        var bounds = new int[weights.Count];
        for (int i = 0, sum = 0; i < weights.Count; i++)
        {
            bounds[i] = sum += weights[i];
        }

        var counts = new int[weights.Count];
        var result = 0.0;
        for (var trial = 0; trial < Trials; trial++)
        {
            Array.Clear(counts);
            for (var i = 0; i < requests; i++)
            {
                var draw = random.Next(total);
                counts[Array.FindIndex(bounds, b => draw < b)]++;
            }

            result += Enumerable.Range(0, weights.Count).Max(i => counts[i] / (requests * weights[i] / (double)total));
        }

        return result / Trials;
    }
}
