namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// An immutable, versioned view of the ring that the gateways route with. Lookups are allocation-free and thread-safe.
/// Replica indices returned by lookups index <see cref="Replicas"/>; -1 means "no replica".
/// </summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Routing.RoutingSnapshot")]
public sealed record RoutingSnapshot
{
    [Id(0)] public long Version { get; init; }
    [Id(1)] public RoutingSettings Settings { get; init; } = RoutingSettings.Default;
    [Id(2)] public IReadOnlyList<RoutedReplica> Replicas { get; init; } = [];

    public static RoutingSnapshot Empty { get; } = new();

    public int Count => Replicas.Count;

    /// <summary>Builds the lookup structure for <paramref name="table"/>; <paramref name="replicas"/> must name exactly the table's members.</summary>
    public static RoutingSnapshot Create(long version, RoutingTable table, IReadOnlyList<RoutedReplica> replicas) => throw new NotImplementedException();

    /// <summary>The key's position for this snapshot's algorithm (stable across processes).</summary>
    public ulong Hash(ReadOnlySpan<char> key) => throw new NotImplementedException();

    /// <summary>The key's owner by the table alone (ignores health), or -1 when there are no replicas.</summary>
    public int Owner(ulong hash) => throw new NotImplementedException();

    /// <summary>Fills <paramref name="destination"/> with distinct replica indices in the key's preference order (owner first); returns how many were written.</summary>
    public int PreferenceOrder(ulong hash, Span<int> destination) => throw new NotImplementedException();

    /// <summary>The first replica that is up in the key's preference order, or -1.</summary>
    public int Route(ulong hash) => throw new NotImplementedException();

    /// <summary>Bounded loads: the first up replica in preference order whose load is below ⌈factor · mean⌉.</summary>
    public int RouteBounded(ulong hash, ReadOnlySpan<int> inFlight, double balanceFactor) => throw new NotImplementedException();

    /// <summary>Each replica's exact share of the key space by the table (ignores health), indexed like <see cref="Replicas"/>.</summary>
    public double Share(int replicaIndex) => throw new NotImplementedException();
}
