using Orleans.LoadBalancer.Grains.Hosts;

namespace Orleans.LoadBalancer.Silo.Hosting;

/// <summary>
/// When this silo learns that the cluster declared it dead (a partition that healed, a pause longer than the probes),
/// its replicas have been replaced elsewhere under the same names: it stops them at once, before Orleans ends the silo
/// (whose end would stop them too: they are attached to it). A silo that was cut off does not hear of its death by
/// itself for a long while (it read the table last before the cut), so the fence reads the membership table every
/// <see cref="RefreshInterval"/>: once the host can reach the table again, it learns within that interval.
/// </summary>
internal sealed class HostFence(
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    HostReplicaRuntime local,
    ILogger<HostFence> logger) : BackgroundService
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    timeout.CancelAfter(RefreshInterval * 2);
                    await membership.Refresh(default, timeout.Token);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Cut off from the table: nothing to learn until it answers again.
                    logger.LogDebug(ex, "Could not read the membership table");
                }

                if (membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress) == SiloStatus.Dead)
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
