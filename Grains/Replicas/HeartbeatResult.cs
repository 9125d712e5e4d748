namespace Orleans.LoadBalancer.Grains.Replicas;

public enum HeartbeatResult
{
    Alive,

    /// <summary>Nothing listens at the address: the replica is gone, no need to ask twice.</summary>
    Refused,

    /// <summary>An error status, a reset, or no answer in time: maybe busy, maybe hung.</summary>
    Failed,

    /// <summary>The runtime says the replica's process or container is no longer running: gone, as when refused.</summary>
    Exited,
}
