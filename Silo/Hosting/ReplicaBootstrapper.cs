using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Silo.Hosting;

/// <summary>Once the silo is up, has the ReplicaManagerGrain adopt running replicas and start the initial ones.</summary>
public sealed class ReplicaBootstrapper(IGrainFactory grains, IHostApplicationLifetime lifetime, ILogger<ReplicaBootstrapper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The silo joins the cluster while hosted services start; wait for the application to be fully started.
        var started = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStarted.Register(started.SetResult);
        await started.Task.WaitAsync(stoppingToken);

        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await grains.GetGrain<IReplicaManagerGrain>(RingKeys.Default).EnsureStarted();
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
}
