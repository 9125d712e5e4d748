using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.LoadBalancer.Ring;
using Orleans.Runtime;

namespace Orleans.LoadBalancer.Silo.Hosting;

/// <summary>Ready: this silo is an active member of the cluster and the RingGrain answers a read within a short time.</summary>
internal sealed class SiloReadiness(ISiloStatusOracle membership, IGrainFactory grains) : IHealthCheck
{
    private static readonly TimeSpan RingTimeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentStatus;
        if (status != SiloStatus.Active)
        {
            return HealthCheckResult.Unhealthy($"The silo is {status} in the cluster's membership, not active");
        }

        try
        {
            var target = await grains.GetGrain<IRingGrain>(RingKeys.Default).GetTarget("readyz").WaitAsync(RingTimeout, cancellationToken);
            return HealthCheckResult.Healthy($"Active; the ring answers at version {target.Version}");
        }
        catch (TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"The ring did not answer within {RingTimeout.TotalSeconds:0} s");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The ring could not be read", ex);
        }
    }
}
