using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.LoadBalancer.Gateway.Routing;

namespace Orleans.LoadBalancer.Gateway.Health;

/// <summary>
/// Ready to route: start-up completed (until then every other path answers 503), a ring snapshot from the cluster is
/// in, and the cluster client is connected.
/// </summary>
internal sealed class GatewayReadinessCheck(RingSnapshotStore store, ClusterConnectionMonitor connection, IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = store.Current;
        var gateways = connection.ConnectedGateways;
        var result = snapshot.RingId == Guid.Empty
            ? HealthCheckResult.Unhealthy("No ring snapshot from the cluster yet")
            : !lifetime.ApplicationStarted.IsCancellationRequested
                ? HealthCheckResult.Unhealthy("Starting")
                : gateways == 0
                    ? HealthCheckResult.Unhealthy($"Not connected to the cluster; routing on ring version {snapshot.Version}")
                    : HealthCheckResult.Healthy($"Ring version {snapshot.Version} with {snapshot.UpCount} of {snapshot.Count} replicas up; {gateways} cluster gateway(s)");
        return Task.FromResult(result);
    }
}
