using Microsoft.Extensions.Logging;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>
/// The replica set's admin changes, all or none: an add starts every replica and registers them in one version step;
/// a remove takes them out in one step, then stops them. A change that fails leaves the ring and the runtime as they were.
/// </summary>
internal sealed class ReplicaSetChanges(ReplicaLauncher launcher, ReplicaTracker tracker, ReplicaDrainer drainer, ILogger logger)
{
    /// <summary>Starts every replica and waits for its heartbeat; registers all of them in one version step, or none.</summary>
    public async Task<AdminResult> AddAsync(IRingGrain grain, IReadOnlyList<string> names, RingState ring, int weight = ReplicaSetRules.DefaultWeight)
    {
        IReadOnlyList<ReplicaInstance> instances;
        tracker.Busy.UnionWith(names);
        try
        {
            instances = await launcher.StartAllAsync(names.Select(n => (n, tracker.OrdinalOf(n))).ToList());
        }
        catch (ReplicaStartException ex)
        {
            tracker.Release(names);
            logger.LogWarning(ex, "Could not start replicas {Replicas}; nothing was changed", names);
            return AdminResult.RuntimeFailure(ex.Message, Names(ring), ring.Version);
        }

        var (snapshot, failure) = await ChangeRingAsync(grain, names, ring, "add the replicas to the ring",
            () => grain.AddReplicas(instances.Select(i => i.ToRecord() with { Weight = weight }).ToList()),
            held => instances.All(i => held.Replicas.Any(r => r.Name == i.Name && r.Address == i.Address)));
        if (snapshot is null)
        {
            await launcher.StopAllAsync(instances);
            return failure!;
        }

        foreach (var instance in instances)
        {
            tracker.Started(instance.Name, ReplicaHealthState.Started(tracker.Now), instance.Ordinal);
        }

        logger.LogInformation("Added replicas {Replicas}; {Count} in the ring", names, snapshot.Count);
        return AdminResult.Success(snapshot.Replicas.Select(r => r.Name).ToList(), snapshot.Version);
    }

    /// <summary>
    /// Registers replicas that run elsewhere, in one version step: each up when it answers its health check now, else
    /// down (the health loop marks it up once it answers). Nothing is started.
    /// </summary>
    public async Task<AdminResult> AddExternalAsync(IRingGrain grain, IReadOnlyList<ReplicaRecord> replicas, RingState ring)
    {
        var names = replicas.Select(r => r.Name).ToList();
        tracker.Busy.UnionWith(names);
        var records = new List<ReplicaRecord>();
        try
        {
            foreach (var replica in replicas)
            {
                records.Add(replica with { IsUp = await launcher.ProbeAsync(replica, CancellationToken.None) == HeartbeatResult.Alive });
            }
        }
        finally
        {
            tracker.Release(names);
        }

        var (snapshot, failure) = await ChangeRingAsync(grain, names, ring, "add the replicas to the ring", () => grain.AddReplicas(records),
            held => records.All(r => held.Replicas.Any(h => h.Name == r.Name && h.Address == r.Address)));
        if (snapshot is null)
        {
            return failure!;
        }

        foreach (var record in records)
        {
            tracker.Started(record.Name, ReplicaHealthState.Started(tracker.Now) with { Health = record.IsUp ? ReplicaHealth.Healthy : ReplicaHealth.Dead }, 0);
        }

        logger.LogInformation("Registered external replicas {Replicas} at {Addresses}; {Count} in the ring", names, records.Select(r => r.Address), snapshot.Count);
        return AdminResult.Success(snapshot.Replicas.Select(r => r.Name).ToList(), snapshot.Version);
    }

    /// <summary>
    /// Takes the replicas out of the ring first, so that no gateway routes to one that is stopping; then drains the
    /// started ones (<see cref="ReplicaDrainer"/>) and stops them. External replicas only leave the ring.
    /// </summary>
    public async Task<AdminResult> RemoveAsync(IRingGrain grain, IReadOnlyList<string> names, RingState ring)
    {
        var (snapshot, failure) = await ChangeRingAsync(grain, names, ring, "take the replicas out of the ring", () => grain.RemoveReplicas(names),
            held => !held.Replicas.Any(r => names.Contains(r.Name)));
        if (snapshot is null)
        {
            return failure!;
        }

        var removed = ring.Replicas.Where(r => names.Contains(r.Name)).ToList();
        removed.ForEach(r => tracker.Forget(r.Name));
        foreach (var replica in removed.Where(r => !ExternalReplicas.Is(r)))
        {
            drainer.Start(ReplicaInstance.Of(replica));
        }

        logger.LogInformation("Removed replicas {Replicas}; {Count} remain", names, snapshot.Count);
        return AdminResult.Success(snapshot.Replicas.Select(r => r.Name).ToList(), snapshot.Version);
    }

    /// <summary>
    /// A ring change for <paramref name="names"/>, busy meanwhile. When the call fails, the ring is asked whether it
    /// committed after all (a timeout, its silo dying); if not, the answer says that nothing changed.
    /// </summary>
    private async Task<(RoutingSnapshot? Snapshot, AdminResult? Failure)> ChangeRingAsync(
        IRingGrain grain, IReadOnlyList<string> names, RingState ring, string what, Func<Task<RoutingSnapshot>> change, Func<RoutingSnapshot, bool> landed)
    {
        tracker.Busy.UnionWith(names);
        try
        {
            return (await change(), null);
        }
        catch (Exception ex)
        {
            if (await HeldSnapshotAsync(grain) is { } held && landed(held))
            {
                return (held, null);
            }

            logger.LogWarning(ex, "Could not {What}; nothing was changed", what);
            return (null, ex is ArgumentException rejected
                ? AdminResult.Invalid(RejectionMessage.Of(rejected), Names(ring), ring.Version)
                : AdminResult.RuntimeFailure($"Could not {what}: {ex.Message}", Names(ring), ring.Version));
        }
        finally
        {
            tracker.Release(names);
        }
    }

    private async Task<RoutingSnapshot?> HeldSnapshotAsync(IRingGrain grain)
    {
        try
        {
            return await grain.GetSnapshot();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not read the ring after a failed change");
            return null;
        }
    }

    private static List<string> Names(RingState ring) => ring.Replicas.Select(r => r.Name).ToList();
}
