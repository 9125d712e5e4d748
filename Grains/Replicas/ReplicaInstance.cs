namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>A running replica: its name, the base address requests go to, and the runtime's id (process id or container id).</summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Grains.Replicas.ReplicaInstance")]
public sealed record ReplicaInstance(
    [property: Id(0)] string Name,
    [property: Id(1)] string Address,
    [property: Id(2)] string RuntimeId);
