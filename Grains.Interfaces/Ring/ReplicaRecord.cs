using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Ring;

/// <summary>
/// A member of the replica set as the RingGrain persists it. <see cref="Weight"/> is the configured weight (1–100);
/// a draining replica takes no new keys but keeps its slots, so putting it back restores them.
/// <see cref="Host"/> names the cluster host (silo) that runs it; empty for replicas nobody runs for us.
/// <see cref="Protocol"/> is what the gateways speak to it (only external replicas are anything but HTTP/1.1).
/// <see cref="HealthPath"/> and <see cref="HealthStatus"/> are an external replica's own health check
/// (<see cref="Orleans.LoadBalancer.Replicas.ExternalHealthCheck"/>); empty: the cluster's.
/// </summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Ring.ReplicaRecord")]
public sealed record ReplicaRecord(
    [property: Id(0)] string Name,
    [property: Id(1)] string Address,
    [property: Id(2)] string RuntimeId,
    [property: Id(3)] bool IsUp = true,
    [property: Id(4)] int Weight = 1,
    [property: Id(5)] bool Draining = false,
    [property: Id(6)] string Host = "",
    [property: Id(7)] ReplicaProtocol Protocol = ReplicaProtocol.Http1,
    [property: Id(8)] string HealthPath = "",
    [property: Id(9)] string HealthStatus = "");
