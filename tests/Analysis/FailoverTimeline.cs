namespace Orleans.LoadBalancer.Analysis;

/// <summary>
/// What the load saw around a kill, in milliseconds after it: the first response for one of the victim's keys from
/// another replica (the gateway noticed and rerouted), and the first one from the victim again for a request sent after
/// that (its replacement serves).
/// </summary>
public sealed record FailoverTimeline(
    double KillAt,
    bool[] VictimKeys,
    double? RerouteMs,
    double? DownMs,
    double? MovedMs,
    double? GoneMs,
    double? RecoveryMs,
    double? ApiRecoveryMs,
    int Rerouted,
    IReadOnlyList<Sample> Failed)
{
    /// <summary>The earliest sign in the API: marked down, at a new address, or out of the ring.</summary>
    public double? ApiDetectionMs => Min(Min(DownMs, MovedMs), GoneMs);

    /// <summary>The earliest sign, from the load or the API, that the gateway knew.</summary>
    public double? DetectionMs => Min(RerouteMs, ApiDetectionMs);

    /// <summary>The end of the disturbance: replacement serving, by the load if it showed it, else by the API.</summary>
    public double? SettledMs => RecoveryMs ?? ApiRecoveryMs;

    /// <summary>The victim's keys: those it served before the kill.</summary>
    public static bool[] KeysOf(IReadOnlyList<Sample> samples, string victim, int poolSize, double before)
    {
        var keys = new bool[poolSize];
        foreach (var sample in samples.Where(s => s.EndMs < before && s.Succeeded))
        {
            keys[sample.Key] = sample.Replica == victim;
        }

        return keys;
    }

    public static FailoverTimeline Compute(IReadOnlyList<Sample> samples, string victim, bool[] victimKeys, double killAt, ApiWatcher watcher)
    {
        var reroutes = samples.Where(s => victimKeys[s.Key] && s.Succeeded && s.Replica != victim && s.EndMs >= killAt).ToList();
        double? reroute = reroutes.Count > 0 ? reroutes.Min(s => s.EndMs) - killAt : null;
        var api = Min(Min(watcher.DownAt, watcher.MovedAt), watcher.GoneAt) - killAt;
        var detected = Min(reroute, api) + killAt;
        double? recovery = null;
        if (detected is { } d)
        {
            var back = samples.Where(s => victimKeys[s.Key] && s.Succeeded && s.Replica == victim && s.StartMs > d).ToList();
            recovery = back.Count > 0 ? back.Min(s => s.EndMs) - killAt : null;
        }

        var failed = samples.Where(s => !s.Succeeded).ToList();
        return new FailoverTimeline(
            killAt, victimKeys, reroute, watcher.DownAt - killAt, watcher.MovedAt - killAt, watcher.GoneAt - killAt,
            recovery, watcher.ReplacedAt - killAt, reroutes.Count, failed);
    }

    private static double? Min(double? a, double? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}

/// <summary>Latency of a group of requests, in milliseconds.</summary>
public sealed record LatencySummary(int Count, double P50, double P99, double Max)
{
    public static LatencySummary Of(IEnumerable<Sample> samples)
    {
        var sorted = samples.Select(s => s.LatencyMs).Order().ToArray();
        return sorted.Length == 0
            ? new LatencySummary(0, double.NaN, double.NaN, double.NaN)
            : new LatencySummary(sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted[^1]);
    }

    /// <summary>Nearest rank.</summary>
    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
