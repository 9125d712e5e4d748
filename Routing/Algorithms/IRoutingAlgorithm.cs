namespace Orleans.LoadBalancer.Routing.Algorithms;

/// <summary>
/// One routing algorithm, chosen by name (<see cref="RoutingSettings.Algorithm"/>) from <see cref="RoutingAlgorithms"/>:
/// its limits, what it keeps in the <see cref="RoutingTable"/> besides the members, how it builds the lookup arrays of a
/// <see cref="RoutingSnapshot"/>, and how a change of them crosses the wire. Lookups never call it: the snapshot keeps
/// the algorithm's <see cref="Lookup"/> kind and dispatches on that.
/// </summary>
internal interface IRoutingAlgorithm
{
    /// <summary>The name settings and the API use.</summary>
    string Name { get; }

    /// <summary>How a snapshot of this algorithm looks keys up.</summary>
    LookupKind Lookup { get; }

    /// <summary>Whether members may have a weight other than 1.</summary>
    bool HasWeights { get; }

    /// <summary>The most replicas a table of <paramref name="settings"/> holds (at most <see cref="RoutingSettings.MaxReplicas"/>).</summary>
    int Capacity(RoutingSettings settings);

    /// <summary>Why <see cref="Capacity"/> is below <see cref="RoutingSettings.MaxReplicas"/>, for error messages; null when it is not.</summary>
    string? CapacityReason(RoutingSettings settings);

    /// <summary>Throws <see cref="ArgumentException"/> when the table cannot hold members of these table weights.</summary>
    void CheckWeights(RoutingSettings settings, IReadOnlyList<int> tableWeights);

    /// <summary>
    /// <paramref name="after"/> (<paramref name="before"/> with members appended) with the algorithm's own state in it;
    /// <paramref name="after"/> itself when the members are all the algorithm keeps.
    /// </summary>
    RoutingTable Added(RoutingTable before, RoutingTable after);

    /// <summary><paramref name="after"/> (<paramref name="before"/> without some members) with the algorithm's own state in it.</summary>
    RoutingTable Removed(RoutingTable before, RoutingTable after);

    /// <summary>
    /// <paramref name="after"/> (<paramref name="before"/> with other table weights for the members at
    /// <paramref name="changed"/>, in the order they were given) with the algorithm's own state in it.
    /// </summary>
    RoutingTable Reweighted(RoutingTable before, RoutingTable after, IReadOnlyList<int> changed);

    /// <summary>
    /// The lookup arrays for <paramref name="table"/>'s members, whose table weights are <paramref name="tableWeights"/>;
    /// throws <see cref="ArgumentException"/> when the table's own state does not fit its members.
    /// </summary>
    LookupTable Build(RoutingTable table, IReadOnlyList<int> tableWeights);

    /// <summary>
    /// <paramref name="delta"/> with the change from <paramref name="previous"/> (its owners renumbered to the new
    /// replicas, <see cref="TableMove.Unowned"/> for removed ones) to <paramref name="next"/>; null when this encoding
    /// cannot say it. Shares are not part of it.
    /// </summary>
    RoutingDelta? EncodeDelta(RoutingDelta delta, LookupTable previous, LookupTable next);

    /// <summary>
    /// <paramref name="current"/> (owners renumbered as for <see cref="EncodeDelta"/>, a copy it may change) with the
    /// delta's change applied; null when it does not apply. <paramref name="seeds"/>: the new replicas' name hashes.
    /// </summary>
    LookupTable? ApplyDelta(LookupTable current, RoutingDelta delta, ulong[] seeds);
}
