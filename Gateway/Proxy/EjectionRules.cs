namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>How many replicas outlier detection may hold out at once, and for how long it holds one out.</summary>
internal static class EjectionRules
{
    /// <summary>
    /// <paramref name="percent"/> of <paramref name="replicas"/>, rounded down, but always one (as Envoy): a ring of two
    /// with one replica answering 503 to everything must be able to set it aside.
    /// </summary>
    public static int MaxEjected(int replicas, int percent) => Math.Max(1, replicas * percent / 100);

    /// <summary>
    /// The number of the ejection that starts now: one more than before, less one for each base ejection time the replica
    /// served since its last ejection ended (Envoy takes one off per quiet interval), so a replica that fails again and
    /// again is held out longer and longer, and one that recovered starts over.
    /// </summary>
    public static int NextEjection(int ejections, long lastEjectionEndedMs, long nowMs, TimeSpan baseEjectionTime)
    {
        var quiet = ejections == 0 ? 0 : Math.Max(0, nowMs - lastEjectionEndedMs) / Math.Max(1, (long)baseEjectionTime.TotalMilliseconds);
        return (int)Math.Max(0, ejections - quiet) + 1;
    }

    /// <summary>How long ejection number <paramref name="ejection"/> lasts: that many base times, at most <paramref name="maxEjectionTime"/>.</summary>
    public static TimeSpan EjectionTime(int ejection, TimeSpan baseEjectionTime, TimeSpan maxEjectionTime) =>
        ejection >= maxEjectionTime / baseEjectionTime ? maxEjectionTime : baseEjectionTime * ejection;
}
