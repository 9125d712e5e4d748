using Orleans.LoadBalancer.Replicas;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>What the manager knows of a replica beyond the ring: its health, failed probes and restarts.</summary>
internal sealed class ReplicaLife
{
    public ReplicaHealth Health { get; set; } = ReplicaHealth.Starting;

    /// <summary>Failed probes in a row.</summary>
    public int Failures { get; set; }

    /// <summary>Restarts since it was created.</summary>
    public int Restarts { get; set; }

    /// <summary>Restarts without a stable period between them; drives the backoff.</summary>
    public int CrashStreak { get; set; }

    /// <summary>Its place in the order of addition, which its replacements keep (0: not known yet).</summary>
    public long Ordinal { get; set; }

    public DateTime HealthySince { get; set; } = DateTime.UtcNow;

    /// <summary>No respawn before this.</summary>
    public DateTime NextRestart { get; set; } = DateTime.MinValue;

    public static ReplicaLife Healthy() => new() { Health = ReplicaHealth.Healthy };
}
