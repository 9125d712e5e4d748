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
}
