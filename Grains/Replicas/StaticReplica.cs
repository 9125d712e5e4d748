using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>
/// One entry of <c>Replicas:Static</c> as configuration binds it: an existing backend registered by address when the
/// replica manager activates. A settable class rather than a <see cref="ReplicaRecord"/>, so that a missing name or
/// address binds as empty and start-up names it with the rules of <c>POST /add</c>.
/// </summary>
public sealed class StaticReplica
{
    public string Name { get; set; } = "";

    public string Address { get; set; } = "";

    public int Weight { get; set; } = ReplicaSetRules.DefaultWeight;

    /// <summary>The entry as the manager registers it, its address in canonical form; call once it is valid.</summary>
    public ReplicaRecord ToRecord() => ReplicaSetRules.Canonical(AsGiven());

    /// <summary>The entry as configured, for the start-up checks.</summary>
    public ReplicaRecord AsGiven() => ExternalReplicas.Of(Name, Address, Weight);
}
