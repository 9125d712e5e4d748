namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// The persisted, history-carrying routing table owned by the RingGrain. Immutable: every change returns a new table.
/// Only <see cref="Add"/> and <see cref="Remove"/> change it; health (up/down) never does.
/// </summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Routing.RoutingTable")]
public sealed record RoutingTable
{
    [Id(0)] public RoutingSettings Settings { get; init; } = RoutingSettings.Default;

    /// <summary>Replica names in order of addition.</summary>
    public IReadOnlyList<string> Members => throw new NotImplementedException();

    /// <summary>An empty table; validates <paramref name="settings"/>.</summary>
    public static RoutingTable Create(RoutingSettings settings) => throw new NotImplementedException();

    /// <summary>Adds replicas in the given order. Throws <see cref="ArgumentException"/> for empty, invalid, duplicate or existing names.</summary>
    public RoutingTable Add(IReadOnlyList<string> names) => throw new NotImplementedException();

    /// <summary>Removes replicas. Throws <see cref="ArgumentException"/> for unknown or duplicate names.</summary>
    public RoutingTable Remove(IReadOnlyList<string> names) => throw new NotImplementedException();
}
