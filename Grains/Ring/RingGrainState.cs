using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Grains.Ring;

[GenerateSerializer, Alias("Orleans.LoadBalancer.Grains.Ring.RingGrainState")]
public sealed class RingGrainState
{
    /// <summary>0 until the ring is first written: a new cluster.</summary>
    [Id(0)] public long Version { get; set; }

    [Id(1)] public RoutingTable? Table { get; set; }

    /// <summary>In table member order.</summary>
    [Id(2)] public List<Orleans.LoadBalancer.Ring.ReplicaRecord> Replicas { get; set; } = [];

    /// <summary>Made when the ring is created; see <see cref="RoutingSnapshot.RingId"/>.</summary>
    [Id(3)] public Guid RingId { get; set; }

    /// <summary>
    /// The configured routing settings the table was last built from. An operator's change through the API keeps its
    /// settings in the table; only a change of configuration (this differs from the silo's) rebuilds it.
    /// </summary>
    [Id(4)] public RoutingSettings? Configured { get; set; }
}
