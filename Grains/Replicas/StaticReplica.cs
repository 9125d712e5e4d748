using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;

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

    /// <summary>What the gateways speak to it: <c>http1</c> (the default), <c>h2c</c> or <c>h2</c> (<see cref="ReplicaProtocols"/>).</summary>
    public string Protocol { get; set; } = ReplicaProtocols.Http1;

    /// <summary>Its own health check path (<see cref="ExternalHealthCheck"/>); empty: <c>Replicas:ExternalHealthPath</c>.</summary>
    public string HealthPath { get; set; } = "";

    /// <summary>The statuses that count as healthy: <c>204</c> or <c>200-399</c>; empty: 2xx and 3xx.</summary>
    public string HealthStatus { get; set; } = "";

    /// <summary>The error for <see cref="Protocol"/> when it names no protocol; null when it does.</summary>
    public string? ProtocolError => ReplicaProtocols.Parse(Protocol) is null ? ReplicaProtocols.Invalid("'protocol'") : null;

    /// <summary>The entry as the manager registers it, its address in canonical form; call once it is valid.</summary>
    public ReplicaRecord ToRecord() => ReplicaSetRules.Canonical(AsGiven());

    /// <summary>The entry as configured, for the start-up checks.</summary>
    public ReplicaRecord AsGiven() => ExternalReplicas.Of(Name, Address, Weight, ReplicaProtocols.Parse(Protocol) ?? ReplicaProtocol.Http1, HealthPath, HealthStatus);
}
