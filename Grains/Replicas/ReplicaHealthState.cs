using Orleans.LoadBalancer.Replicas;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>What the manager knows of one replica's health; <see cref="HealthPolicy"/> computes each next state.</summary>
/// <param name="Health">What the replica is reported as.</param>
/// <param name="Failures">Failed probes in a row.</param>
/// <param name="Restarts">Replacements since the replica was created.</param>
/// <param name="CrashStreak">Replacements without a stable period between them; drives the backoff.</param>
/// <param name="HealthySince">When the replica last started (was created or replaced).</param>
/// <param name="NextRestart">No replacement before this.</param>
/// <param name="UnresponsiveSince">When the current run of failed probes began; null while it answers.</param>
internal sealed record ReplicaHealthState(
    ReplicaHealth Health,
    int Failures,
    int Restarts,
    int CrashStreak,
    DateTimeOffset HealthySince,
    DateTimeOffset NextRestart,
    DateTimeOffset? UnresponsiveSince = null)
{
    public static ReplicaHealthState Started(DateTimeOffset now) =>
        new(ReplicaHealth.Healthy, Failures: 0, Restarts: 0, CrashStreak: 0, HealthySince: now, NextRestart: DateTimeOffset.MinValue);
}
