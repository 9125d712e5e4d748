using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Grains.Ring;

/// <summary>The ring as the RingGrain stores it. The grain never changes an instance it has published: a change makes a new one.</summary>
[GenerateSerializer, Alias("Orleans.LoadBalancer.Grains.Ring.RingGrainState")]
public sealed class RingGrainState
{
    /// <summary>0 until the ring is first changed: a new cluster.</summary>
    [Id(0)] public long Version { get; set; }

    [Id(1)] public RoutingTable? Table { get; set; }

    /// <summary>In table member order.</summary>
    [Id(2)] public List<ReplicaRecord> Replicas { get; set; } = [];

    /// <summary>Made when the ring is created; see <see cref="RoutingSnapshot.RingId"/>.</summary>
    [Id(3)] public Guid RingId { get; set; }

    /// <summary>
    /// The configured routing settings the table was last built from. An operator's change through the API keeps its
    /// settings in the table; only a change of configuration (this differs from the silo's) rebuilds it.
    /// </summary>
    [Id(4)] public RoutingSettings? Configured { get; set; }

    /// <summary>Raised and stored by every activation before it publishes; see <see cref="RoutingSnapshot.Epoch"/>.</summary>
    [Id(5)] public long Epoch { get; set; }

    /// <summary>Made anew for every write, so that a write whose outcome was not seen can be recognised when read back.</summary>
    [Id(6)] public Guid Change { get; set; }

    public RoutingTable CurrentTable => Table ?? throw new InvalidOperationException("The ring has no table.");

    /// <summary>A copy with another version, table and replicas; the ring's identity and settings stay.</summary>
    public RingGrainState Next(long version, RoutingTable table, List<ReplicaRecord> replicas) => new()
    {
        Version = version,
        Table = table,
        Replicas = replicas,
        RingId = RingId,
        Configured = Configured,
        Epoch = Epoch,
    };
}
