using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Replicas;

/// <summary>
/// Replicas registered by address (<c>POST /add {"replicas": [...]}</c> or <c>Replicas:Static</c>): they run elsewhere,
/// are health-checked and marked down or up like any other, but never started, stopped or replaced by the cluster.
/// Each is a <see cref="ReplicaRecord"/> whose runtime id is <see cref="RuntimeId"/>.
/// </summary>
public static class ExternalReplicas
{
    /// <summary>The runtime id an external replica has in the ring (and the runtime <c>/replicas</c> shows for it).</summary>
    public const string RuntimeId = "external";

    /// <summary>A replica to register by address; whether it is up is found when it is registered.</summary>
    /// <param name="healthPath">Its own health check path (<see cref="ExternalHealthCheck"/>); empty: <c>Replicas:ExternalHealthPath</c>.</param>
    /// <param name="healthStatus">The statuses that count as healthy, <c>204</c> or <c>200-399</c>; empty: 2xx and 3xx.</param>
    public static ReplicaRecord Of(
        string name, string address, int weight = ReplicaSetRules.DefaultWeight, ReplicaProtocol protocol = ReplicaProtocol.Http1, string healthPath = "", string healthStatus = "") =>
        new(name, address, RuntimeId, IsUp: true, weight, Protocol: protocol, HealthPath: healthPath, HealthStatus: healthStatus);

    public static bool Is(ReplicaRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.RuntimeId == RuntimeId;
    }
}
