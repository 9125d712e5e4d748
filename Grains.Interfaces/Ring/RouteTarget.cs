namespace Orleans.LoadBalancer.Ring;

/// <summary>Where a key routes: the replica (null when there is none), and the snapshot version that decided it.</summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Ring.RouteTarget")]
public sealed record RouteTarget(
    [property: Id(0)] string Key,
    [property: Id(1)] string? Replica,
    [property: Id(2)] string? Address,
    [property: Id(3)] long Version);
