using Orleans.LoadBalancer.Replicas;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>One entry of <c>Replicas:Static</c>: an existing backend registered by address when the replica manager activates.</summary>
public sealed class StaticReplica
{
    public string Name { get; set; } = "";

    public string Address { get; set; } = "";

    public int Weight { get; set; } = ReplicaSetRules.DefaultWeight;

    /// <summary>The entry as the manager registers it (its address in canonical form); call once it is valid.</summary>
    public ExternalReplica ToExternal() => ReplicaSetRules.Canonical(new ExternalReplica(Name, Address, Weight));
}
