using System.Collections.Frozen;

namespace Orleans.LoadBalancer.Routing.Algorithms;

/// <summary>The routing algorithms by name. Adding one is a type of its own and its line here.</summary>
internal static class RoutingAlgorithms
{
    /// <summary>In the order error messages list them.</summary>
    private static readonly IRoutingAlgorithm[] All =
    [
        new ClassicAlgorithm(),
        new RingAlgorithm(),
        new MaglevAlgorithm(),
        new SlotsAlgorithm(),
    ];

    private static readonly FrozenDictionary<string, IRoutingAlgorithm> ByName = All.ToFrozenDictionary(a => a.Name, StringComparer.Ordinal);

    public static IReadOnlyList<string> Names { get; } = [.. All.Select(a => a.Name)];

    /// <summary>The algorithm called <paramref name="name"/>, or null.</summary>
    public static IRoutingAlgorithm? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The algorithm called <paramref name="name"/>; throws <see cref="ArgumentException"/> for any other name.</summary>
    public static IRoutingAlgorithm Get(string name, string paramName) => Find(name)
        ?? throw new ArgumentException($"Unknown routing algorithm '{name}': use one of {string.Join(", ", Names)}", paramName);
}
