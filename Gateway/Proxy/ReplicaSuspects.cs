using System.Collections.Concurrent;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// Replica addresses this gateway saw fail (connection refused, reset, timed out): skipped for a short while, and
/// reported to the ReplicaManagerGrain so its health loop looks at them at once. A mark belongs to the address that
/// failed, not to the name: a replacement at a new address, or one the ring marks up again after it was down, is used
/// at once. Costs one volatile read per request while empty.
/// </summary>
internal sealed class ReplicaSuspects
{
    private readonly ConcurrentDictionary<string, long> _until = new(StringComparer.Ordinal);
    private readonly ISuspectReporter _reporter;
    private readonly ILogger<ReplicaSuspects> _logger;
    private int _count;

    public ReplicaSuspects(ISuspectReporter reporter, RingSnapshotStore store, ILogger<ReplicaSuspects> logger)
    {
        _reporter = reporter;
        _logger = logger;
        store.Changed += OnSnapshotChanged;
    }

    private bool IsEmpty => Volatile.Read(ref _count) == 0;

    public bool IsSuspect(RoutedReplica replica) => IsSuspect(replica.Address);

    public bool IsSuspect(string address)
    {
        if (IsEmpty || !_until.TryGetValue(address, out var until))
        {
            return false;
        }

        if (Environment.TickCount64 < until)
        {
            return true;
        }

        Forgive(address, until);
        return false;
    }

    /// <summary>
    /// Marks <paramref name="replica"/>'s address suspect for <paramref name="suspectFor"/>, or longer when it already is
    /// (a short mark never cuts an outlier ejection short); returns true when it was not already.
    /// </summary>
    public bool Mark(RoutedReplica replica, TimeSpan suspectFor)
    {
        var until = Environment.TickCount64 + (long)suspectFor.TotalMilliseconds;
        var added = false;
        _until.AddOrUpdate(replica.Address, _ => { added = true; return until; }, (_, marked) => Math.Max(marked, until));
        if (!added)
        {
            return false;
        }

        Interlocked.Increment(ref _count);
        _logger.LogWarning("Replica {Replica} at {Address} is suspect for {SuspectFor} ms", replica.Name, replica.Address, (long)suspectFor.TotalMilliseconds);
        _reporter.Report(replica.Name);
        return true;
    }

    /// <summary>The ring has the last word: a replica it brings back up, or an address it no longer uses, is not suspect.</summary>
    private void OnSnapshotChanged(RoutingSnapshot previous, RoutingSnapshot snapshot)
    {
        if (IsEmpty)
        {
            return;
        }

        var wasDown = previous.Replicas.Where(r => !r.IsUp).Select(r => r.Address).ToHashSet(StringComparer.Ordinal);
        var present = snapshot.Replicas.Select(r => r.Address).ToHashSet(StringComparer.Ordinal);
        var up = snapshot.Replicas.Where(r => r.IsUp).Select(r => r.Address).ToHashSet(StringComparer.Ordinal);
        foreach (var (address, until) in _until)
        {
            if (!present.Contains(address) || (up.Contains(address) && wasDown.Contains(address)))
            {
                Forgive(address, until);
            }
        }
    }

    private void Forgive(string address, long until)
    {
        if (_until.TryRemove(new KeyValuePair<string, long>(address, until)))
        {
            Interlocked.Decrement(ref _count);
        }
    }
}
