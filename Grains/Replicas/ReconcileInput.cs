using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>What <see cref="Reconciler.Plan"/> compares: the ring as it is against what the runtime runs.</summary>
/// <param name="Ring">The ring's members, in member order.</param>
/// <param name="Running">What the runtime runs for this cluster now.</param>
/// <param name="Busy">
/// Names an admin change or a replacement is working on right now: left entirely alone (not adopted, not stopped, not
/// respawned, not used in a rebuild).
/// </param>
/// <param name="RespawnMissing">
/// True on a fresh activation: ring members with nothing running are respawned now (and members marked down that run
/// are adopted as up); false for the periodic check, where the health loop replaces them, with backoff.
/// </param>
/// <param name="MaxCount">A rebuild takes at most this many replicas; the rest are strays.</param>
/// <param name="RingIsNew">
/// The ring was never changed (version 0): a new cluster, or a ring whose state was lost. Only then is an empty ring
/// rebuilt from what runs; a ring emptied on purpose (every replica removed) leaves what still runs a stray.
/// </param>
internal sealed record ReconcileInput(
    IReadOnlyList<ReplicaRecord> Ring,
    IReadOnlyList<ReplicaInstance> Running,
    IReadOnlySet<string> Busy,
    bool RespawnMissing,
    int MaxCount,
    bool RingIsNew = true);
