namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// A replica as the gateways see it: where to send requests, and whether it may receive them. A draining replica
/// receives no new requests; <see cref="Weight"/> is its configured weight (the table holds its effective share).
/// </summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Routing.RoutedReplica")]
public sealed record RoutedReplica(
    [property: Id(0)] string Name,
    [property: Id(1)] string Address,
    [property: Id(2)] bool IsUp,
    [property: Id(3)] int Weight = 1,
    [property: Id(4)] bool Draining = false)
{
    /// <summary>Whether new requests may go to it: up and not draining. The one place for that rule.</summary>
    public bool IsRoutable => IsUp && !Draining;
}
