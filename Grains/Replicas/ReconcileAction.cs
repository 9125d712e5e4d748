namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>One step of a <see cref="ReconcilePlan"/>; the grain executes them in the order given.</summary>
internal abstract record ReconcileAction;

/// <summary>The ring is empty while replicas run: add these, in this order, as one step.</summary>
internal sealed record RebuildRing(IReadOnlyList<ReplicaInstance> Replicas) : ReconcileAction;

/// <summary>
/// A ring member runs at another address or runtime id than the ring says, or runs while marked down at activation:
/// update its ring record to this instance, up.
/// </summary>
internal sealed record Adopt(ReplicaInstance Instance) : ReconcileAction;

/// <summary>
/// Running but not in the ring, a second copy of a name, or without an address: stop it. With
/// <paramref name="Drain"/> (a usable replica whose name left the ring, such as one removed with <c>/rm</c> while its
/// silo died mid-drain), drain it first: gateways may still hold requests on it.
/// </summary>
internal sealed record StopStray(ReplicaInstance Instance, string Reason, bool Drain = false) : ReconcileAction;

/// <summary>A ring member with nothing running (only when <see cref="ReconcileInput.RespawnMissing"/>): start it again.</summary>
internal sealed record Respawn(string Name) : ReconcileAction;
