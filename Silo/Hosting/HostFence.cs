using Orleans.LoadBalancer.Grains.Hosts;

namespace Orleans.LoadBalancer.Silo.Hosting;

/// <summary>
/// When this silo learns that the cluster declared it dead (a partition that healed, a pause longer than the probes),
/// its replicas have been replaced elsewhere under the same names: it stops them at once, before Orleans ends the silo
/// (whose end would stop them too: they are attached to it).
/// </summary>
public sealed class HostFence(
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    HostReplicaRuntime local,
    ILogger<HostFence> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                if (snapshot.GetSiloStatus(silo.SiloAddress) == SiloStatus.Dead)
                {
                    await StopAllAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task StopAllAsync()
    {
        var replicas = await local.Runtime.ListAsync(CancellationToken.None);
        logger.LogWarning("The cluster declared this silo ({Silo}) dead: stopping its {Count} replicas, which run elsewhere now", silo.Name, replicas.Count);
        foreach (var replica in replicas)
        {
            try
            {
                await local.Runtime.StopAsync(replica, CancellationToken.None);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Could not stop replica {Replica}", replica.Name);
            }
        }
    }
}
