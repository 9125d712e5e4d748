using Microsoft.Extensions.Logging;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>
/// One health check of every replica that is not busy: probe all at once, let the <see cref="HealthPolicy"/> judge each,
/// mark the dead down and the recovered up in one version step (the table keeps their place, so only their keys move),
/// and start replacements without waiting for them.
/// </summary>
internal sealed class HealthRound(
    ReplicaLauncher launcher, HealthPolicy policy, ReplicaBook book, ReplicaReplacer replacer, ReplicaMetrics metrics, ReplicaOptions options, ILogger logger)
{
    public async Task RunAsync(IRingGrain ring, CancellationToken cancellationToken)
    {
        var state = await ring.GetState();
        var members = state.Replicas.Where(r => !book.Busy.Contains(r.Name)).ToList();
        var results = await Task.WhenAll(members.Select(r => launcher.ProbeAsync(r.Record, cancellationToken)));
        var (marks, replace) = (new List<ReplicaRecord>(), new List<ReplicaRecord>());
        for (var i = 0; i < members.Count; i++)
        {
            var replica = members[i];
            if (book.Busy.Contains(replica.Name))
            {
                // An admin change or a replacement took it while the probes ran.
                continue;
            }

            var (health, action) = policy.OnProbe(book.HealthOf(replica.Name), results[i], replica.IsUp, book.Now);
            if (ExternalReplica.Is(replica) || replica.Draining)
            {
                // Nobody here runs an external replica, and a draining one is the operator's: marked down and up, never replaced.
                (health, action) = NotReplaced(health, action, results[i]);
            }

            book.Set(replica.Name, health);
            if (action is HealthAction.MarkDown or HealthAction.MarkDownAndReplace)
            {
                logger.LogWarning("Replica {Replica} at {Address} is dead after {Failures} failed heartbeats", replica.Name, replica.Address, health.Failures);
                metrics.Died(replica.Name);
                marks.Add(replica.Record with { IsUp = false });
            }
            else if (!replica.IsUp && results[i] == HeartbeatResult.Alive)
            {
                // Marked down, then it answered again before its replacement was due: its keys come back to it.
                logger.LogInformation("Replica {Replica} at {Address} answers again; marking it up", replica.Name, replica.Address);
                marks.Add(replica.Record with { IsUp = true });
            }

            if (action is HealthAction.Replace or HealthAction.MarkDownAndReplace)
            {
                replace.Add(replica.Record);
            }
        }

        // Marks first: a replacement's record (up, at its new address) must not be overwritten by the old one.
        if (marks.Count > 0 && !options.ReplaceWithNewName)
        {
            await logger.TryAsync("mark down or up", () => ring.UpdateReplicas(marks));
        }

        replace.ForEach(replica => replacer.Start(ring, replica));

        metrics.Observed(state.Replicas.Select(r => (r.Name, book.StateOf(r))).ToList());
    }

    private static (ReplicaHealthState Health, HealthAction Action) NotReplaced(ReplicaHealthState health, HealthAction action, HeartbeatResult result) =>
        (result == HeartbeatResult.Alive && health.Health is ReplicaHealth.Dead or ReplicaHealth.Failed ? health with { Health = ReplicaHealth.Healthy } : health,
            action switch
            {
                HealthAction.MarkDownAndReplace => HealthAction.MarkDown,
                HealthAction.Replace => HealthAction.None,
                _ => action,
            });
}
