using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>One replica as <c>GET /replicas</c> and <c>PUT /replicas/{name}/weight</c> show it.</summary>
internal static class ReplicaJson
{
    /// <summary>
    /// The replica's status; <c>effectiveWeight</c> comes from <paramref name="snapshot"/> (this gateway's ring): below
    /// <c>weight</c> while the replica is in slow start.
    /// </summary>
    public static object Of(ReplicaStatus replica, RoutingSnapshot snapshot)
    {
        var routed = Array.Find(snapshot.Replicas, r => r.Name == replica.Name);
        return new
        {
            name = replica.Name,
            dnsName = ReplicaNames.Slug(replica.Name),
            address = replica.Address,
            state = replica.Health.ToString().ToLowerInvariant(),
            runtime = replica.Runtime,
            runtimeId = replica.RuntimeId,
            restarts = replica.Restarts,
            share = replica.Share,
            weight = replica.Weight,
            effectiveWeight = routed?.EffectiveWeight ?? replica.Weight,
            draining = replica.Draining,
            host = replica.Host,
        };
    }
}
