using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.Routing;

/// <summary>
/// This gateway's requests in flight per replica, for bounded loads, <c>/ring</c> and the metrics. Counters live by
/// replica name, so they carry over between snapshots; the current snapshot's index → counter table is built when the
/// store installs it, off the request path. A place is taken atomically against a cap, so two requests racing for the
/// last place cannot both get it.
/// </summary>
internal sealed class InFlightTracker
{
    private readonly ConcurrentDictionary<string, StrongBox<int>> _byName = new(StringComparer.Ordinal);
    private CounterTable _current;
    private long _total;

    public InFlightTracker(RingSnapshotStore store)
    {
        _current = new CounterTable(store.Current, Resolve(store.Current));
        store.Changed += (_, snapshot) => Install(snapshot);
    }

    /// <summary>Requests in flight on every replica together.</summary>
    public long Total => Volatile.Read(ref _total);

    /// <summary>The counters indexed like <paramref name="snapshot"/>'s replicas.</summary>
    public StrongBox<int>[] For(RoutingSnapshot snapshot)
    {
        var current = Volatile.Read(ref _current);
        // A request that read the store just before a change still gets its snapshot's counters, by name.
        return ReferenceEquals(current.Snapshot, snapshot) ? current.Counters : Resolve(snapshot);
    }

    /// <summary>Takes a place on <paramref name="counter"/> when it holds fewer than <paramref name="cap"/> requests.</summary>
    public bool TryHold(StrongBox<int> counter, long cap)
    {
        var held = Volatile.Read(ref counter.Value);
        while (held < cap)
        {
            var seen = Interlocked.CompareExchange(ref counter.Value, held + 1, held);
            if (seen == held)
            {
                Interlocked.Increment(ref _total);
                return true;
            }

            held = seen;
        }

        return false;
    }

    /// <summary>Takes a place on <paramref name="counter"/> whatever it holds.</summary>
    public void Hold(StrongBox<int> counter)
    {
        Interlocked.Increment(ref counter.Value);
        Interlocked.Increment(ref _total);
    }

    public void Release(StrongBox<int> counter)
    {
        Interlocked.Decrement(ref counter.Value);
        Interlocked.Decrement(ref _total);
    }

    public int Of(string replica) => _byName.TryGetValue(replica, out var counter) ? Volatile.Read(ref counter.Value) : 0;

    private void Install(RoutingSnapshot snapshot)
    {
        // Counters of replicas that left the ring go with them once idle; a busy one stays (by name) until then, so that
        // the drain reporter can tell when the last request on a removed replica has finished.
        var members = snapshot.Replicas.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, counter) in _byName)
        {
            if (!members.Contains(name) && Volatile.Read(ref counter.Value) == 0)
            {
                _byName.TryRemove(new KeyValuePair<string, StrongBox<int>>(name, counter));
            }
        }

        Volatile.Write(ref _current, new CounterTable(snapshot, Resolve(snapshot)));
    }

    private StrongBox<int>[] Resolve(RoutingSnapshot snapshot)
    {
        var counters = new StrongBox<int>[snapshot.Count];
        for (var i = 0; i < counters.Length; i++)
        {
            counters[i] = _byName.GetOrAdd(snapshot.Replicas[i].Name, static _ => new StrongBox<int>());
        }

        return counters;
    }

    private sealed record CounterTable(RoutingSnapshot Snapshot, StrongBox<int>[] Counters);
}
