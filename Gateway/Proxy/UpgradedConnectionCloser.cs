using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// Closes the upgraded connections on a replica once it has been out of routing in this gateway's snapshot (removed
/// with <c>/rm</c>, drained, or down) for <c>Gateway:UpgradedDrainTimeout</c>. An upgraded connection holds its
/// replica's in-flight place, so a removal's drain waits for it, but only that long: then it is closed, the drain
/// completes and the replica is stopped. A replica back in routing meanwhile keeps its connections.
/// </summary>
internal sealed class UpgradedConnectionCloser(
    UpgradedConnections connections, RingSnapshotStore store, IOptions<GatewayOptions> options, TimeProvider time,
    ILogger<UpgradedConnectionCloser> logger) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var limit = options.Value.UpgradedDrainTimeout;
        var unroutedSince = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Poll, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (connections.Count == 0)
            {
                unroutedSince.Clear();
                continue;
            }

            var snapshot = store.Current;
            var now = time.GetUtcNow();
            var held = connections.Replicas();
            foreach (var name in unroutedSince.Keys.Where(n => !held.Contains(n) || IsRouted(snapshot, n)).ToList())
            {
                unroutedSince.Remove(name);
            }

            foreach (var name in held.Where(n => !IsRouted(snapshot, n)))
            {
                if (!unroutedSince.TryGetValue(name, out var since))
                {
                    unroutedSince[name] = since = now;
                }

                if (now - since >= limit)
                {
                    var closed = connections.Close(name);
                    unroutedSince.Remove(name);
                    logger.LogInformation("Closed {Count} upgraded connections on replica {Replica}: out of routing for {Limit}", closed, name, limit);
                }
            }
        }
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
