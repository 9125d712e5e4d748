using Microsoft.Extensions.Logging;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>
/// Compares what the runtime runs with the ring (<see cref="Reconciler"/> decides) and carries out the plan, each action
/// on its own: adopt, rebuild a lost ring from what runs, respawn, stop strays.
/// </summary>
internal sealed class ReconcileExecutor(
    ReplicaLauncher launcher, ReplicaTracker tracker, ReplicaReplacer replacer, ReplicaDrainer drainer, ReplicaOptions options, ILogger logger)
{
    public DateTimeOffset LastRun { get; private set; }

    public async Task RunAsync(IRingGrain ring, bool respawnMissing)
    {
        // What runs first, then the ring: a change that finishes in between is in the ring, or still busy, or released
        // after the mark (then the ring read may be older than it: the names are left to the next run).
        var mark = tracker.Mark;
        var running = (await launcher.Runtime.ListAsync(CancellationToken.None)).Where(i => !tracker.Draining.Contains(i.RuntimeId)).ToList();
        var state = await ring.GetState();
        LastRun = tracker.Now;
        tracker.Learn(running);

        var members = state.Replicas.ToList();
        var unsettled = tracker.Unsettled(mark);
        var plan = Reconciler.Plan(new ReconcileInput(members, running, unsettled, respawnMissing, options.MaxCount, RingIsNew: state.Version == 0));
        var adopted = new List<ReplicaRecord>();
        foreach (var action in plan.Actions)
        {
            await logger.TryAsync(action.GetType().Name, action switch
            {
                RebuildRing rebuild => () => RebuildAsync(ring, rebuild.Replicas),
                Adopt adopt => () => Adopt(adopted, adopt.Instance),
                Respawn respawn => () => Respawn(ring, members.First(r => r.Name == respawn.Name)),
                StopStray stray => () => StopStrayAsync(stray),
                _ => throw new InvalidOperationException($"Unknown reconcile action {action}"),
            });
        }

        if (adopted.Count > 0)
        {
            await ring.UpdateReplicas(adopted);
        }

        if (respawnMissing)
        {
            // On a fresh activation, say what was found running and kept as it is.
            var acted = plan.Actions.Select(NameOf).ToHashSet(StringComparer.Ordinal);
            foreach (var member in members.Where(m => !acted.Contains(m.Name) && !unsettled.Contains(m.Name) && !Orleans.LoadBalancer.Replicas.ExternalReplicas.Is(m)))
            {
                logger.LogInformation("Adopted running replica {Replica} at {Address}", member.Name, member.Address);
            }
        }
    }

    private static string? NameOf(ReconcileAction action) => action switch
    {
        Adopt adopt => adopt.Instance.Name,
        Respawn respawn => respawn.Name,
        _ => null,
    };

    /// <summary>
    /// The ring was empty while replicas of this cluster run: its state was lost, not a new cluster. They become the ring
    /// again in the order they were added; without removals in between, the table comes out exactly as it was.
    /// </summary>
    private async Task RebuildAsync(IRingGrain ring, IReadOnlyList<ReplicaInstance> replicas)
    {
        await ring.AddReplicas(replicas.Select(i => i.ToRecord()).ToList());
        foreach (var instance in replicas)
        {
            tracker.Started(instance.Name, ReplicaHealthState.Started(tracker.Now), instance.Ordinal);
            logger.LogInformation("Adopted running replica {Replica} at {Address}", instance.Name, instance.Address);
        }

        logger.LogWarning("The ring was empty while {Count} replicas of this cluster run: rebuilt it from them, in their order of addition: {Replicas}",
            replicas.Count, replicas.Select(i => i.Name));
    }

    private Task Adopt(List<ReplicaRecord> adopted, ReplicaInstance instance)
    {
        adopted.Add(instance.ToRecord());
        if (!tracker.Knows(instance.Name, out _))
        {
            // Known replicas keep their history (restarts, backoff): the ring only learns where they run.
            tracker.Started(instance.Name, ReplicaHealthState.Started(tracker.Now), instance.Ordinal);
        }

        logger.LogInformation("Adopted running replica {Replica} at {Address}", instance.Name, instance.Address);
        return Task.CompletedTask;
    }

    private Task Respawn(IRingGrain ring, ReplicaRecord replica)
    {
        logger.LogInformation("Replica {Replica} of the ring is not running; starting it", replica.Name);
        replacer.Start(ring, replica);
        return Task.CompletedTask;
    }

    private Task StopStrayAsync(StopStray stray)
    {
        if (stray.Drain)
        {
            // Removed while its silo died mid-drain, most likely: requests may still run on it, so it leaves as /rm leaves.
            logger.LogWarning("Draining, then stopping replica {Replica} ({RuntimeId}): {Reason}", stray.Instance.Name, stray.Instance.RuntimeId, stray.Reason);
            drainer.Start(stray.Instance);
            return Task.CompletedTask;
        }

        logger.LogWarning("Stopping replica {Replica} ({RuntimeId}): {Reason}", stray.Instance.Name, stray.Instance.RuntimeId, stray.Reason);
        return launcher.StopQuietlyAsync(stray.Instance);
    }
}
