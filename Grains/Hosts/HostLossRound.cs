using Microsoft.Extensions.Logging;
using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Grains.Hosts;

/// <summary>
/// Each round: the replicas of hosts the cluster no longer holds as active (<see cref="HostLoss"/>) are marked down in
/// one step and replaced on the active hosts under the same names, through the one replacement path
/// (<see cref="ReplicaReplacer"/>), with its backoff. Their keys move to their next replicas meanwhile and come back.
/// </summary>
internal sealed class HostLossRound(ClusterReplicaRuntime hosts, ReplicaReplacer replacer, ReplicaTracker tracker, ILogger logger)
{
    public async Task RunAsync(IRingGrain ring)
    {
        var mark = tracker.Mark;
        var state = await ring.GetState();
        var active = hosts.ActiveHosts().Keys;
        var lost = HostLoss.Lost(state.Replicas, active, tracker.Unsettled(mark))
            .Where(r => tracker.HealthOf(r.Name).NextRestart <= tracker.Now)
            .ToList();
        if (lost.Count == 0)
        {
            return;
        }

        logger.LogWarning("Hosts {Hosts} are no longer active members of the cluster; replacing their replicas {Replicas} on {Active}",
            lost.Select(r => r.Host).Distinct(), lost.Select(r => r.Name), active);
        var down = lost.Where(r => r.IsUp).Select(r => r with { IsUp = false }).ToList();
        if (down.Count > 0)
        {
            await logger.TryAsync("mark the replicas of lost hosts down", () => ring.UpdateReplicas(down));
        }

        lost.ForEach(r => replacer.Start(ring, r with { IsUp = false }));
    }
}
