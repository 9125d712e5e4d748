namespace Orleans.LoadBalancer.Ring;

/// <summary>
/// The ring as people read it: version, algorithm, the members as the RingGrain stores them with each one's share of
/// the key space (<see cref="Shares"/>, in member order), and the silo that hosts the RingGrain now.
/// </summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Ring.RingState")]
public sealed record RingState(
    [property: Id(0)] long Version,
    [property: Id(1)] string Algorithm,
    [property: Id(2)] IReadOnlyList<ReplicaRecord> Replicas,
    [property: Id(3)] string Silo,
    [property: Id(4)] IReadOnlyList<double> Shares);
