using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.Routing;

/// <summary>
/// The gateway's current routing snapshot: read with one volatile read per request, replaced atomically, and never
/// replaced by an older version of the same ring. A snapshot of another ring (the cluster lost its storage and made
/// the ring anew) replaces it whatever its version: the old ring's replicas are gone with it.
/// </summary>
internal sealed class RingSnapshotStore
{
    private RoutingSnapshot _current = RoutingSnapshot.Empty;

    public RoutingSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Raised after a newer snapshot has been installed, with the one it replaced.</summary>
    public event Action<RoutingSnapshot, RoutingSnapshot>? Changed;

    /// <summary>Installs <paramref name="snapshot"/> when it is newer than the current one; returns whether it was.</summary>
    public bool TryUpdate(RoutingSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        while (true)
        {
            var current = Volatile.Read(ref _current);
            if (!snapshot.Supersedes(current))
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _current, snapshot, current) == current)
            {
                Changed?.Invoke(current, snapshot);
                return true;
            }
        }
    }
}
