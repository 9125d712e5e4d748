namespace Orleans.LoadBalancer.Ring;

/// <summary>A member of the replica set as the RingGrain persists it.</summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Ring.ReplicaRecord")]
public sealed record ReplicaRecord(
    [property: Id(0)] string Name,
    [property: Id(1)] string Address,
    [property: Id(2)] string RuntimeId,
    [property: Id(3)] bool IsUp = true);
