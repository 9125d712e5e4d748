namespace Orleans.LoadBalancer.Grains.Hosts;

/// <summary>
/// Which host starts a replica; pure. Candidates: the active hosts, narrowed by <see cref="PlacementOptions.Only"/> and
/// <see cref="PlacementOptions.Exclude"/>. A pinned replica goes to its host when that host is a candidate. Otherwise the
/// host with the fewest replicas, a replacement preferring any host but the one it ran on (which may be why it died);
/// ties go to the first host by name, so the same inputs always give the same host. Host names compare ignoring case.
/// </summary>
internal static class ReplicaPlacement
{
    private static readonly StringComparer Hosts = StringComparer.OrdinalIgnoreCase;

    /// <param name="activeHosts">The hosts (silo names) the cluster holds as active now.</param>
    /// <param name="load">Replicas per host now, without the one being placed.</param>
    /// <param name="replica">The replica's name.</param>
    /// <param name="previousHost">The host it ran on (a replacement), or null.</param>
    /// <param name="options">The placement rules.</param>
    /// <returns>The chosen host, or null with the reason when no host may take it.</returns>
    public static (string? Host, string? Reason) Choose(
        IEnumerable<string> activeHosts, IReadOnlyDictionary<string, int> load, string replica, string? previousHost, PlacementOptions options)
    {
        ArgumentNullException.ThrowIfNull(activeHosts);
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(options);
        var active = activeHosts.Where(h => !string.IsNullOrEmpty(h)).Distinct(Hosts).ToList();
        var candidates = active
            .Where(h => options.Only.Count == 0 || options.Only.Contains(h, Hosts))
            .Where(h => !options.Exclude.Contains(h, Hosts))
            .ToList();
        if (candidates.Count == 0)
        {
            return (null, active.Count == 0
                ? "no host is active"
                : $"none of the active hosts ({string.Join(", ", active.Order(Hosts))}) is allowed by {PlacementOptions.Section}");
        }

        if (options.Pin.TryGetValue(replica, out var pinned) && candidates.FirstOrDefault(h => Hosts.Equals(h, pinned)) is { } pin)
        {
            return (pin, null);
        }

        var others = candidates.Where(h => previousHost is null || !Hosts.Equals(h, previousHost)).ToList();
        var chosen = (others.Count > 0 ? others : candidates)
            .OrderBy(h => LoadOf(load, h))
            .ThenBy(h => h, StringComparer.Ordinal)
            .First();
        return (chosen, null);
    }

    private static int LoadOf(IReadOnlyDictionary<string, int> load, string host) =>
        load.Where(p => Hosts.Equals(p.Key, host)).Sum(p => p.Value);
}
