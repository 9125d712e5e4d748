namespace Orleans.LoadBalancer.Routing;

/// <summary>A replica as the gateways see it: where to send requests, and whether it may receive them.</summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Routing.RoutedReplica")]
public sealed record RoutedReplica(
    [property: Id(0)] string Name,
    [property: Id(1)] string Address,
    [property: Id(2)] bool IsUp);
