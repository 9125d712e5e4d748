using Orleans.Concurrency;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Ring;

/// <summary>
/// The single authority for the replica set and the routing table. One activation per cluster, key <see cref="RingKeys.Default"/>.
/// Every change is persisted before it is announced, and each change is one version step.
/// </summary>
[Alias("Orleans.LoadBalancer.Ring.IRingGrain")]
public interface IRingGrain : IGrainWithStringKey
{
    /// <summary>The current snapshot.</summary>
    [ReadOnly, Alias("GetSnapshot")]
    Task<RoutingSnapshot> GetSnapshot();

    /// <summary>
    /// The current snapshot unless the caller already has it: <c>null</c> when the current snapshot does not
    /// <see cref="RoutingSnapshot.Supersedes(Guid, long, long)"/> the caller's.
    /// </summary>
    [ReadOnly, Alias("GetSnapshotIfNewer")]
    Task<RoutingSnapshot?> GetSnapshotIfNewer(Guid ringId, long epoch, long version);

    /// <summary>
    /// Subscribes (or renews) <paramref name="observer"/>; returns the current snapshot unless the caller already has it
    /// (as <see cref="GetSnapshotIfNewer"/>), so renewing is cheap.
    /// </summary>
    [Alias("Subscribe")]
    Task<RoutingSnapshot?> Subscribe(IRingObserver observer, Guid ringId, long epoch, long version);

    [Alias("Unsubscribe")]
    Task Unsubscribe(IRingObserver observer);

    /// <summary>The replica a key routes to now; for tools and tests, never for the request hot path.</summary>
    [ReadOnly, Alias("GetTarget")]
    Task<RouteTarget> GetTarget(string key);

    /// <summary>The whole ring, for the Orleans Dashboard and <c>/replicas</c>.</summary>
    [ReadOnly, Alias("GetState")]
    Task<RingState> GetState();

    /// <summary>Adds replicas in one version step. Throws <see cref="ArgumentException"/> and changes nothing on bad input.</summary>
    [Alias("AddReplicas")]
    Task<RoutingSnapshot> AddReplicas(IReadOnlyList<ReplicaRecord> replicas);

    /// <summary>Removes replicas in one version step. Throws <see cref="ArgumentException"/> and changes nothing on bad input.</summary>
    [Alias("RemoveReplicas")]
    Task<RoutingSnapshot> RemoveReplicas(IReadOnlyList<string> names);

    /// <summary>
    /// Replaces the records of existing replicas (address, runtime id, up/down; weight and draining stay) in one version step; the table is
    /// unchanged. Published at once, stored as soon as storage answers: the runtime can always tell these again.
    /// </summary>
    [Alias("UpdateReplicas")]
    Task<RoutingSnapshot> UpdateReplicas(IReadOnlyList<ReplicaRecord> replicas);

    /// <summary>
    /// Marks <paramref name="name"/> draining or not (routing skips a draining replica as it skips a down one; the table
    /// is unchanged). An operator's change: stored, then published. Throws <see cref="ArgumentException"/> for an unknown name.
    /// </summary>
    [Alias("SetDraining")]
    Task<RoutingSnapshot> SetDraining(string name, bool draining);

    /// <summary>Takes <paramref name="name"/> out and <paramref name="replacement"/> in, as one version step.</summary>
    [Alias("ReplaceReplica")]
    Task<RoutingSnapshot> ReplaceReplica(string name, ReplicaRecord replacement);

    /// <summary>Rebuilds the table with other settings, keeping the members and their weights (an explicit, operator-driven change).</summary>
    [Alias("ChangeSettings")]
    Task<RoutingSnapshot> ChangeSettings(RoutingSettings settings);

    /// <summary>
    /// Applies <paramref name="change"/> to the settings the ring has at that moment, inside the grain's turn, and
    /// rebuilds the table with them as <see cref="ChangeSettings(RoutingSettings)"/> does. With
    /// <paramref name="ifVersions"/> (an HTTP <c>If-Match</c>), only when the ring is at one of those versions; otherwise
    /// nothing changes and the result says the precondition failed. Throws <see cref="ArgumentException"/> and changes
    /// nothing when the merged settings are invalid.
    /// </summary>
    [Alias("ChangeSettingsIfAt")]
    Task<RingChangeResult> ChangeSettings(RoutingSettingsChange change, IReadOnlyList<long>? ifVersions);

    /// <summary>
    /// Sets replicas' weights (1–100) as one table change, stored then published, one version step; ends their slow
    /// start. Throws <see cref="ArgumentException"/> and changes nothing for unknown names, weights outside 1–100, and
    /// any weight but 1 in the <c>classic</c> assignment.
    /// </summary>
    [Alias("ChangeWeights")]
    Task<RoutingSnapshot> ChangeWeights(IReadOnlyDictionary<string, int> weights);
}
