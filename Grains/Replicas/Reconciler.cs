using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>Compares the ring with what the runtime runs and says what to do about the differences; does nothing itself.</summary>
internal static class Reconciler
{
    private static readonly StringComparer Names = StringComparer.Ordinal;

    /// <summary>
    /// The actions that make the ring and the running replicas agree. Names compare ordinally.
    /// <list type="bullet">
    /// <item>Names in <see cref="ReconcileInput.Busy"/> appear in no action, whatever runs or the ring holds for them.</item>
    /// <item>
    /// An instance is usable when it has an address and a name. An unusable one is never adopted nor used in a rebuild; a
    /// ring member whose only instances are unusable counts as having nothing running. Unusable instances are stopped.
    /// </item>
    /// <item>
    /// Empty new ring (<see cref="ReconcileInput.RingIsNew"/>: its state was lost) while usable instances run: one
    /// <see cref="RebuildRing"/> of one instance per name (the lowest ordinal; unknown, 0, sorts last), in order of
    /// addition: by ordinal (0 last), then by name; at most <see cref="ReconcileInput.MaxCount"/>. Every other instance
    /// (second copies, those beyond the maximum, unusable ones) is a <see cref="StopStray"/>. No <see cref="Adopt"/>:
    /// the rebuild carries the addresses.
    /// </item>
    /// <item>
    /// Otherwise, for each ring member: one usable instance of its name is kept (the one with the record's runtime id,
    /// else the lowest ordinal, 0 last); the others are stopped. The kept one is an <see cref="Adopt"/> when its address
    /// or runtime id differ from the record, or when the record is down and <see cref="ReconcileInput.RespawnMissing"/>.
    /// None usable: a <see cref="Respawn"/> when <see cref="ReconcileInput.RespawnMissing"/>, else nothing (the health
    /// loop replaces it). Instances whose name is not a member are stopped, usable ones after a drain.
    /// </item>
    /// <item>
    /// Order: the rebuild; adoptions in ring order; stops by name, then runtime id; respawns in ring order. Stops go
    /// before respawns because a runtime may refuse to start a name while a dead copy still holds it (Docker keeps an
    /// exited container's name).
    /// </item>
    /// </list>
    /// </summary>
    public static ReconcilePlan Plan(ReconcileInput input)
    {
        ArgumentNullException.ThrowIfNull(input);

        // The same instance listed twice is one process: one action for it, not two.
        var candidates = input.Running.Distinct().Where(i => !input.Busy.Contains(i.Name)).ToList();
        var steps = new Steps();
        if (input.Ring.Count == 0 && input.RingIsNew)
        {
            PlanRebuild(candidates, input.MaxCount, steps);
        }
        else
        {
            PlanMembers(input, candidates, steps);
        }

        var stops = steps.Stops
            .OrderBy(s => s.Instance.Name, Names)
            .ThenBy(s => s.Instance.RuntimeId, Names)
            .ThenBy(s => s.Instance.Address, Names)
            .ThenBy(s => s.Instance.Ordinal);
        return new ReconcilePlan([.. steps.Rebuild, .. steps.Adopts, .. stops, .. steps.Respawns]);
    }

    private static void PlanRebuild(List<ReplicaInstance> candidates, int maxCount, Steps steps)
    {
        var firsts = candidates
            .Where(IsUsable)
            .GroupBy(i => i.Name, Names)
            .Select(g => Preferred(g).First())
            .OrderBy(OrderOfAddition)
            .ThenBy(i => i.Name, Names)
            .ToList();
        var rebuilt = firsts.Take(Math.Max(maxCount, 0)).ToList();
        if (rebuilt.Count > 0)
        {
            steps.Rebuild.Add(new RebuildRing(rebuilt));
        }

        var kept = rebuilt.ToHashSet();
        var firstNames = firsts.Select(i => i.Name).ToHashSet(Names);
        foreach (var instance in candidates.Where(i => !kept.Contains(i)))
        {
            var reason = !IsUsable(instance) ? "it has no address or name"
                : firstNames.Contains(instance.Name) && !firsts.Contains(instance) ? "a second copy of its name"
                : $"beyond the maximum of {maxCount} replicas in a rebuilt ring";
            steps.Stops.Add(new StopStray(instance, reason));
        }
    }

    private static void PlanMembers(ReconcileInput input, List<ReplicaInstance> candidates, Steps steps)
    {
        var byName = candidates.ToLookup(i => i.Name, Names);
        // External replicas run elsewhere: nothing to adopt, respawn or stop for them (their names stay taken).
        var members = input.Ring.Where(r => !ExternalReplicas.Is(r)).DistinctBy(r => r.Name, Names).ToList();
        foreach (var record in members.Where(r => !input.Busy.Contains(r.Name)))
        {
            var instances = byName[record.Name].ToList();
            var kept = Preferred(instances.Where(IsUsable), record).FirstOrDefault();
            foreach (var other in instances.Where(i => i != kept))
            {
                steps.Stops.Add(new StopStray(other, IsUsable(other) ? "a second copy of its name" : "it has no address"));
            }

            if (kept is not null)
            {
                if (kept.Address != record.Address || kept.RuntimeId != record.RuntimeId || (input.RespawnMissing && !record.IsUp))
                {
                    steps.Adopts.Add(new Adopt(kept));
                }
            }
            else if (input.RespawnMissing)
            {
                steps.Respawns.Add(new Respawn(record.Name));
            }
        }

        var memberNames = members.Select(r => r.Name).ToHashSet(Names);
        steps.Stops.AddRange(candidates.Where(i => !memberNames.Contains(i.Name)).Select(i => new StopStray(i, "not in the ring", Drain: IsUsable(i))));
    }

    private static bool IsUsable(ReplicaInstance instance) =>
        !string.IsNullOrEmpty(instance.Address) && !string.IsNullOrWhiteSpace(instance.Name);

    /// <summary>Copies of one name, best first: the ring's own (same runtime id), then the earliest added.</summary>
    private static IOrderedEnumerable<ReplicaInstance> Preferred(IEnumerable<ReplicaInstance> copies, ReplicaRecord? record = null) =>
        copies
            .OrderBy(i => record is not null && i.RuntimeId == record.RuntimeId ? 0 : 1)
            .ThenBy(OrderOfAddition)
            .ThenBy(i => i.RuntimeId, Names)
            .ThenBy(i => i.Address, Names);

    private static long OrderOfAddition(ReplicaInstance instance) => instance.Ordinal > 0 ? instance.Ordinal : long.MaxValue;

    /// <summary>The plan's actions by kind, each in the order it was found.</summary>
    private sealed class Steps
    {
        public List<RebuildRing> Rebuild { get; } = [];

        public List<Adopt> Adopts { get; } = [];

        public List<StopStray> Stops { get; } = [];

        public List<Respawn> Respawns { get; } = [];
    }
}
