using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Grains.Hosts;

/// <summary>Which ring members run on a host the cluster no longer holds as active; pure.</summary>
internal static class HostLoss
{
    /// <summary>
    /// Members with a host that is not among <paramref name="activeHosts"/> (its silo was declared dead or left), that no
    /// change is working on. Members without a host (nobody runs them for us, or one machine) are never lost this way.
    /// </summary>
    public static IReadOnlyList<ReplicaRecord> Lost(IEnumerable<ReplicaRecord> ring, IEnumerable<string> activeHosts, IReadOnlySet<string> busy)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(busy);
        var active = activeHosts.ToHashSet(StringComparer.OrdinalIgnoreCase);
        return ring.Where(r => r.Host.Length > 0 && !active.Contains(r.Host) && !busy.Contains(r.Name)).ToList();
    }
}
