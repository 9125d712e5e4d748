using Orleans.LoadBalancer.Replicas;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>What the manager knows of a replica beyond the ring: its health and how often it was restarted.</summary>
internal sealed class ReplicaLife
{
    public ReplicaHealth Health { get; set; } = ReplicaHealth.Starting;

    public int Restarts { get; set; }
}
