namespace Orleans.LoadBalancer.Ring;

/// <summary>
/// The ring as people read it: version, algorithm, each replica with its share of the key space, and the silo
/// that hosts the RingGrain now.
/// </summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Ring.RingState")]
public sealed record RingState(
    [property: Id(0)] long Version,
    [property: Id(1)] string Algorithm,
    [property: Id(2)] IReadOnlyList<RingReplicaState> Replicas,
    [property: Id(3)] string Silo = "");

[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Ring.RingReplicaState")]
public sealed record RingReplicaState(
    [property: Id(0)] string Name,
    [property: Id(1)] string Address,
    [property: Id(2)] string RuntimeId,
    [property: Id(3)] bool IsUp,
    [property: Id(4)] double Share,
    [property: Id(5)] int Weight = 1,
    [property: Id(6)] bool Draining = false,
    [property: Id(7)] string Host = "")
{
    /// <summary>The member as the RingGrain stores it (without its share).</summary>
    public ReplicaRecord Record => new(Name, Address, RuntimeId, IsUp, Weight, Draining, Host);

    public static RingReplicaState Of(ReplicaRecord record, double share) =>
        new(record.Name, record.Address, record.RuntimeId, record.IsUp, share, record.Weight, record.Draining, record.Host);
}
