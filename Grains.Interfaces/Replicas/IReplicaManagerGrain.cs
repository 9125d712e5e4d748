using Orleans.Concurrency;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Replicas;

/// <summary>
/// Drives replica lifecycle: validates admin requests, starts and stops replicas through the runtime,
/// and tells the RingGrain what changed. One activation per cluster, key <see cref="Ring.RingKeys.Default"/>.
/// </summary>
[Alias("Orleans.LoadBalancer.Replicas.IReplicaManagerGrain")]
public interface IReplicaManagerGrain : IGrainWithStringKey
{
    /// <summary>The seed's <c>POST /add</c>: <paramref name="count"/> new replicas, named from <paramref name="hostnames"/> first, the rest at random.</summary>
    // Starting replicas waits for their heartbeat (Replicas:StartTimeout) and may queue behind another change.
    [Alias("Add"), ResponseTimeout("00:02:00")]
    Task<AdminResult> Add(int count, IReadOnlyList<string> hostnames);

    /// <summary><c>POST /add</c> with a <c>weight</c>: as <see cref="Add"/>, every new replica with <paramref name="weight"/> (1–100).</summary>
    [Alias("AddWeighted"), ResponseTimeout("00:02:00")]
    Task<AdminResult> AddWeighted(int count, IReadOnlyList<string> hostnames, int weight);

    /// <summary>
    /// <c>POST /add {"replicas": [...]}</c>: registers replicas that run elsewhere, by address, in one version step. Only
    /// each record's name, address and weight are taken: every one joins with runtime id <see cref="ExternalReplicas.RuntimeId"/>.
    /// </summary>
    [Alias("AddExternal"), ResponseTimeout("00:02:00")]
    Task<AdminResult> AddExternal(IReadOnlyList<ReplicaRecord> replicas);

    /// <summary>
    /// <c>PUT /replicas/{name}/state</c>: <paramref name="draining"/> true takes the replica out of routing without
    /// touching the table (its keys go to their next replica); false puts it back, with exactly its keys.
    /// <see cref="AdminError.NotFound"/> for a name the ring does not have.
    /// </summary>
    [Alias("SetDraining"), ResponseTimeout("00:01:00")]
    Task<AdminResult> SetDraining(string name, bool draining);

    /// <summary>
    /// A gateway's periodic report: it is alive, and has nothing in flight on the <paramref name="idle"/> replicas, which
    /// it no longer routes to. Returns the replicas the manager waits for before it stops them (removed, still running).
    /// </summary>
    [AlwaysInterleave, Alias("ReportDrains")]
    Task<IReadOnlyList<string>> ReportDrains(string gateway, IReadOnlyList<string> idle);

    /// <summary>The seed's <c>DELETE /rm</c>: <paramref name="count"/> replicas, those in <paramref name="hostnames"/> first, the rest at random.</summary>
    [Alias("Remove"), ResponseTimeout("00:02:00")]
    Task<AdminResult> Remove(int count, IReadOnlyList<string> hostnames);

    /// <summary><c>PUT /replicas/{name}/weight</c>: sets a replica's weight (1–100), in the admin turn like <see cref="Add"/>.</summary>
    [Alias("SetWeight"), ResponseTimeout("00:02:00")]
    Task<AdminResult> SetWeight(string name, int weight);

    /// <summary>Every replica with its lifecycle state.</summary>
    [Alias("GetReplicas")]
    Task<IReadOnlyList<ReplicaStatus>> GetReplicas();

    /// <summary>Reconciles the runtime with the ring and, on a new cluster, starts the initial replicas. Idempotent.</summary>
    [Alias("EnsureStarted")]
    Task EnsureStarted();

    /// <summary>The identity of the silo that hosts the manager now (as <see cref="Ring.RingState.Silo"/> names the RingGrain's).</summary>
    [AlwaysInterleave, Alias("GetSilo")]
    Task<string> GetSilo();

    /// <summary>A gateway saw <paramref name="name"/> fail; the health loop checks it at once.</summary>
    [AlwaysInterleave, OneWay, Alias("ReportSuspect")]
    Task ReportSuspect(string name);
}
