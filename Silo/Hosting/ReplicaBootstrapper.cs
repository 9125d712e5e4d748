using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Silo.Hosting;

/// <summary>
/// Once the silo is up, has the ReplicaManagerGrain adopt running replicas and start the initial ones; then, for the
/// silo's lifetime, calls it again every <see cref="ReplicaOptions.KeepAliveInterval"/>. When the silo hosting the
/// manager dies, the next of these calls from any surviving silo reactivates it, so the health loop and reconciliation
/// never wait for an admin request.
/// </summary>
internal sealed class ReplicaBootstrapper(
    IGrainFactory grains,
    IHostApplicationLifetime lifetime,
    IOptions<ReplicaOptions> options,
    ILogger<ReplicaBootstrapper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The silo joins the cluster while hosted services start; wait for the application to be fully started.
        var started = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStarted.Register(started.SetResult);
        try
        {
            await started.Task.WaitAsync(stoppingToken);
            await BringUpAsync(stoppingToken);
            await KeepAliveAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private IReplicaManagerGrain Manager => grains.GetGrain<IReplicaManagerGrain>(RingKeys.Default);

    private async Task BringUpAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Manager.EnsureStarted();
                logger.LogInformation("Replica set is in place");
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Could not bring up the replica set (attempt {Attempt}); retrying", attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 10)), stoppingToken);
            }
        }
    }

    private async Task KeepAliveAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.KeepAliveInterval);
        var failing = false;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                // Cheap when the manager is active: a ring read. Otherwise it activates here or elsewhere and adopts.
                await Manager.EnsureStarted();
                if (failing)
                {
                    failing = false;
                    logger.LogInformation("The replica manager answers again");
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Expected for a few seconds while the cluster declares a dead silo dead; say it once per outage.
                if (!failing)
                {
                    failing = true;
                    logger.LogWarning(ex, "The replica manager did not answer its keep-alive call; retrying every {Interval}", options.Value.KeepAliveInterval);
                }
            }
        }
    }
}
