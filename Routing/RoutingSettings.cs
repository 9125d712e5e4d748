using Orleans.LoadBalancer.Routing.Algorithms;

namespace Orleans.LoadBalancer.Routing;

/// <summary>Which algorithm builds the routing table, and its parameters.</summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Routing.RoutingSettings")]
public sealed record RoutingSettings
{
    /// <summary>The names of the algorithms there are (<see cref="Algorithms"/>).</summary>
    public const string Classic = "classic";
    public const string Ring = "ring";
    public const string Maglev = "maglev";
    public const string Slots = "slots";

    /// <summary>The most replicas a table holds.</summary>
    public const int MaxReplicas = 4096;

    /// <summary><c>ring</c>: the most points a ring holds (about 40 MB of snapshot), whatever the points per replica.</summary>
    public const int MaxRingPoints = 1 << 22;

    /// <summary>The names of the routing algorithms (<see cref="RoutingAlgorithms"/>).</summary>
    public static IReadOnlyList<string> Algorithms => RoutingAlgorithms.Names;

    /// <summary>The defaults, a new instance each time: nothing can change a default that another part holds.</summary>
    public static RoutingSettings Default => new();

    /// <summary>One of <see cref="Algorithms"/>; default <c>slots</c>.</summary>
    [Id(0)] public string Algorithm { get; init; } = Slots;

    /// <summary><c>ring</c>: points per replica, fixed whatever the number of replicas.</summary>
    [Id(1)] public int PointsPerReplica { get; init; } = 256;

    /// <summary><c>maglev</c>: lookup table size, a prime.</summary>
    [Id(2)] public int MaglevTableSize { get; init; } = 65537;

    /// <summary><c>slots</c>: number of hash slots.</summary>
    [Id(3)] public int SlotCount { get; init; } = 65536;

    /// <summary>Throws <see cref="ArgumentException"/> with a clear message when a setting is invalid.</summary>
    public void Validate()
    {
        // An unknown name throws here, with the names there are.
        _ = Policy;

        if (PointsPerReplica is <= 0 or > 65536)
        {
            throw new ArgumentException($"PointsPerReplica must be between 1 and 65536, not {PointsPerReplica}", nameof(PointsPerReplica));
        }

        if (MaglevTableSize is < 3 or > 16_777_259 || !IsPrime(MaglevTableSize))
        {
            throw new ArgumentException($"MaglevTableSize must be a prime between 3 and 16777259, not {MaglevTableSize}", nameof(MaglevTableSize));
        }

        if (SlotCount is < 1 or > 16_777_216)
        {
            throw new ArgumentException($"SlotCount must be between 1 and 16777216, not {SlotCount}", nameof(SlotCount));
        }
    }

    /// <summary>The most replicas these settings can route to.</summary>
    public int Capacity => RoutingAlgorithms.Find(Algorithm)?.Capacity(this) ?? MaxReplicas;

    /// <summary>The algorithm these settings name; throws <see cref="ArgumentException"/> for an unknown name.</summary>
    internal IRoutingAlgorithm Policy => RoutingAlgorithms.Get(Algorithm, nameof(Algorithm));

    /// <summary>Throws when a table of these settings cannot hold <paramref name="replicas"/> replicas.</summary>
    internal void ThrowIfOverCapacity(int replicas, string paramName)
    {
        if (replicas > Capacity)
        {
            var reason = RoutingAlgorithms.Find(Algorithm)?.CapacityReason(this) ?? $"no table holds more than {MaxReplicas}";
            throw new ArgumentException($"The {Algorithm} table holds at most {Capacity} replicas ({reason}), not {replicas}", paramName);
        }
    }

    private static bool IsPrime(int n)
    {
        if (n < 2)
        {
            return false;
        }

        for (var d = 2; (long)d * d <= n; d++)
        {
            if (n % d == 0)
            {
                return false;
            }
        }

        return true;
    }
}
