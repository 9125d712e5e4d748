using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>
/// A running replica: its name, the base address requests go to, the runtime's id (process id or container id), and
/// its ordinal: its place in the order replicas were added (kept by a replacement), stored with the replica so that a
/// ring whose state was lost can be rebuilt in the same order (0: not known), and the host
/// (silo) that runs it (empty: one machine, the manager's silo).
/// </summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Grains.Replicas.ReplicaInstance")]
public sealed record ReplicaInstance(
    [property: Id(0)] string Name,
    [property: Id(1)] string Address,
    [property: Id(2)] string RuntimeId,
    [property: Id(3)] long Ordinal = 0,
    [property: Id(4)] string Host = "")
{
    public ReplicaRecord ToRecord(bool isUp = true) => new(Name, Address, RuntimeId, isUp, Host: Host);

    public static ReplicaInstance Of(ReplicaRecord record) => new(record.Name, record.Address, record.RuntimeId, Host: record.Host);
}
