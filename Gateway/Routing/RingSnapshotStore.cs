using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.Routing;

/// <summary>
/// The gateway's current routing snapshot: read with one volatile read per request, replaced atomically,
/// and never replaced by an older version.
/// </summary>
public sealed class RingSnapshotStore
{
    private readonly TaskCompletionSource _firstSnapshot = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RoutingSnapshot _current = RoutingSnapshot.Empty;

    public RoutingSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Completes once a snapshot from the RingGrain has been received.</summary>
    public Task Ready => _firstSnapshot.Task;

    /// <summary>Raised after a newer snapshot has been installed.</summary>
    public event Action<RoutingSnapshot>? Changed;

    /// <summary>Installs <paramref name="snapshot"/> when it is newer than the current one; returns whether it was.</summary>
    public bool TryUpdate(RoutingSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        while (true)
        {
            var current = Volatile.Read(ref _current);
            var isNewer = snapshot.Version > current.Version
                || (!_firstSnapshot.Task.IsCompleted && snapshot.Version == current.Version);
            if (!isNewer)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _current, snapshot, current) == current)
            {
                _firstSnapshot.TrySetResult();
                Changed?.Invoke(snapshot);
                return true;
            }
        }
    }
}
