using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Replicas;

/// <summary>
/// A replica registered by address (<c>POST /add {"replicas": [...]}</c> or <c>Replicas:Static</c>): it runs elsewhere,
/// is health-checked and marked down or up like any other, but never started, stopped or replaced by the cluster.
/// </summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Replicas.ExternalReplica")]
public sealed record ExternalReplica(
    [property: Id(0)] string Name,
    [property: Id(1)] string Address,
    [property: Id(2)] int Weight = ReplicaSetRules.DefaultWeight)
{
    /// <summary>The runtime id an external replica has in the ring (and the runtime <c>/replicas</c> shows for it).</summary>
    public const string RuntimeId = "external";

    public static bool Is(ReplicaRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.RuntimeId == RuntimeId;
    }

    public static bool Is(RingReplicaState replica)
    {
        ArgumentNullException.ThrowIfNull(replica);
        return replica.RuntimeId == RuntimeId;
    }

    public ReplicaRecord ToRecord(bool isUp) => new(Name, Address, RuntimeId, isUp, Weight);
}
