namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// A replica as the gateways see it: where to send requests, and whether it may receive them. A draining replica
/// receives no new requests; <see cref="Weight"/> is its configured weight (the table holds its effective share), and
/// <see cref="TableWeight"/> its effective weight in the table, in hundredths (<see cref="RoutingTable.WeightScale"/>):
/// below 100 · <see cref="Weight"/> while it ramps up in slow start. <see cref="Protocol"/> is what the gateway speaks to it. Set by <see cref="RoutingSnapshot.Create"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Routing.RoutedReplica")]
public sealed record RoutedReplica(
    [property: Id(0)] string Name,
    [property: Id(1)] string Address,
    [property: Id(2)] bool IsUp,
    [property: Id(3)] int Weight = 1,
    [property: Id(4)] bool Draining = false,
    [property: Id(5)] int TableWeight = RoutingTable.WeightScale,
    [property: Id(6)] ReplicaProtocol Protocol = ReplicaProtocol.Http1)
{
    /// <summary>The effective weight (the configured weight while no slow start holds it lower).</summary>
    public double EffectiveWeight => TableWeight / (double)RoutingTable.WeightScale;

    /// <summary>Whether new requests may go to it: up and not draining. The one place for that rule.</summary>
    public bool IsRoutable => IsUp && !Draining;
}
