using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Replicas;

/// <summary>
/// A replica's lifecycle as <c>GET /replicas</c> reports it, with the health check the manager makes of it: the path it
/// asks and the statuses it counts as healthy (<see cref="HealthStatusRange"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Replicas.ReplicaStatus")]
public sealed record ReplicaStatus(
    [property: Id(0)] string Name,
    [property: Id(1)] string Address,
    [property: Id(2)] string Runtime,
    [property: Id(3)] string RuntimeId,
    [property: Id(4)] ReplicaHealth Health,
    [property: Id(5)] int Restarts,
    [property: Id(6)] double Share,
    [property: Id(7)] int Weight = 1,
    [property: Id(8)] bool Draining = false,
    [property: Id(9)] string Host = "",
    [property: Id(10)] ReplicaProtocol Protocol = ReplicaProtocol.Http1,
    [property: Id(11)] string HealthPath = "",
    [property: Id(12)] string HealthStatus = "");
