using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Ring;

/// <summary>
/// The answer to a conditional change: the ring's snapshot after it, or, when <see cref="PreconditionFailed"/>, the
/// current snapshot, unchanged, because the ring was not at any of the versions the caller named.
/// </summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Ring.RingChangeResult")]
public sealed record RingChangeResult([property: Id(0)] RoutingSnapshot Snapshot, [property: Id(1)] bool PreconditionFailed);
