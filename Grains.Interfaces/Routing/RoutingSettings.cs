namespace Orleans.LoadBalancer.Routing;

/// <summary>Which algorithm builds the routing table, and its parameters.</summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Routing.RoutingSettings")]
public sealed record RoutingSettings
{
    public const string Classic = "classic";
    public const string Ring = "ring";
    public const string Maglev = "maglev";
    public const string Slots = "slots";

    public static IReadOnlyList<string> Algorithms { get; } = [Classic, Ring, Maglev, Slots];

    public static RoutingSettings Default { get; } = new();

    /// <summary>One of <see cref="Algorithms"/>; default <c>slots</c>.</summary>
    [Id(0)] public string Algorithm { get; init; } = Slots;

    /// <summary><c>ring</c>: points per replica, fixed whatever the number of replicas.</summary>
    [Id(1)] public int PointsPerReplica { get; init; } = 256;

    /// <summary><c>maglev</c>: lookup table size, a prime.</summary>
    [Id(2)] public int MaglevTableSize { get; init; } = 65537;

    /// <summary><c>slots</c>: number of hash slots.</summary>
    [Id(3)] public int SlotCount { get; init; } = 65536;

    /// <summary>Throws <see cref="ArgumentException"/> with a clear message when a setting is invalid.</summary>
    public void Validate() => throw new NotImplementedException();
}
