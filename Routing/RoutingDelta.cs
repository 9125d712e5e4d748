namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// What turns one <see cref="RoutingSnapshot"/> into its successor: the RingGrain pushes it instead of the whole
/// snapshot when the table changed little. It applies only to the snapshot of the same ring and epoch at exactly
/// <see cref="BaseVersion"/>; a holder of any other version fetches the whole snapshot instead.
/// </summary>
/// <remarks>
/// The replica list is sent whole (it is small); the table is sent as moves between owners, after renumbering the
/// owners by name (a removal shifts every later replica's index, which costs the table nothing to say). A delta never
/// changes the settings: a settings change is always a whole snapshot.
/// </remarks>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Routing.RoutingDelta")]
public sealed record RoutingDelta
{
    [Id(0)] public Guid RingId { get; init; }

    [Id(1)] public long Epoch { get; init; }

    /// <summary>The version this delta applies to.</summary>
    [Id(2)] public long BaseVersion { get; init; }

    /// <summary>The version it makes.</summary>
    [Id(3)] public long Version { get; init; }

    /// <summary>The new snapshot's replicas, whole, in its order.</summary>
    [Id(4)] public RoutedReplica[] Replicas { get; init; } = [];

    /// <summary>Fixed-size tables (<c>slots</c>, <c>maglev</c>, <c>classic</c>): the entries that change owner.</summary>
    [Id(5)] public TableMove[] Moves { get; init; } = [];

    /// <summary><c>ring</c>: the points added, ascending; the points of removed replicas go without being named.</summary>
    [Id(6)] public ulong[] AddedPoints { get; init; } = [];

    /// <summary><c>ring</c>: the owner (new replica index) of each added point.</summary>
    [Id(7)] public ushort[] AddedPointOwners { get; init; } = [];

    /// <summary>The new shares, indexed like <see cref="Replicas"/>; <c>null</c> when the table did not change at all.</summary>
    [Id(8)] public double[]? Shares { get; init; }

    /// <summary>A hash of the new table, checked after applying: a delta that does not rebuild it exactly is refused.</summary>
    [Id(9)] public ulong TableHash { get; init; }

    /// <summary>Whether this delta was made from exactly <paramref name="snapshot"/>'s ring, epoch and version.</summary>
    public bool AppliesTo(RoutingSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.RingId == RingId && snapshot.Epoch == Epoch && snapshot.Version == BaseVersion;
    }

    /// <summary>Whether the snapshot this delta makes would replace <paramref name="current"/> (as <see cref="RoutingSnapshot.Supersedes(RoutingSnapshot)"/>).</summary>
    public bool Supersedes(RoutingSnapshot current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return RingId != current.RingId || Epoch > current.Epoch || (Epoch == current.Epoch && Version > current.Version);
    }
}
