using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.Routing;

/// <summary>
/// Tells the replica manager, every second (every 250 ms while something drains), that this gateway is alive and which
/// of the replicas it drains this gateway holds nothing on: not routable in this gateway's snapshot for a moment, and
/// none of its requests in flight there. The manager stops a removed replica once every live gateway has said so.
/// </summary>
internal sealed class DrainReporter(
    IClusterClient client, RingSnapshotStore store, InFlightTracker inFlight, TimeProvider time, ILogger<DrainReporter> logger) : BackgroundService
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Draining = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(2);

    /// <summary>A request that read the snapshot from before the change has taken its in-flight place well within this.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(200);

    private readonly string _id = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IReadOnlyList<string> draining = [];
        var unroutedSince = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var idle = Idle(draining, unroutedSince);
            try
            {
                draining = await client.GetGrain<IReplicaManagerGrain>(RingKeys.Default).ReportDrains(_id, idle).WaitAsync(CallTimeout, stoppingToken);
                failing = false;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                if (!failing)
                {
                    logger.LogWarning(ex, "Could not report drains to the replica manager; retrying");
                    failing = true;
                }
            }

            try
            {
                await Task.Delay(draining.Count > 0 ? Draining : Quiet, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private List<string> Idle(IReadOnlyList<string> draining, Dictionary<string, DateTimeOffset> unroutedSince)
    {
        var snapshot = store.Current;
        var now = time.GetUtcNow();
        var idle = new List<string>();
        foreach (var name in draining)
        {
            if (IsRouted(snapshot, name))
            {
                unroutedSince.Remove(name);
                continue;
            }

            if (!unroutedSince.TryGetValue(name, out var since))
            {
                unroutedSince[name] = since = now;
            }

            if (now - since >= Settle && inFlight.Of(name) == 0)
            {
                idle.Add(name);
            }
        }

        foreach (var gone in unroutedSince.Keys.Where(n => !draining.Contains(n, StringComparer.Ordinal)).ToList())
        {
            unroutedSince.Remove(gone);
        }

        return idle;
    }

    private static bool IsRouted(RoutingSnapshot snapshot, string name)
    {
        foreach (var replica in snapshot.Replicas)
        {
            if (replica.Name == name)
            {
                return replica.IsRoutable;
            }
        }

        return false;
    }
}
