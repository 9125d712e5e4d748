using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// This gateway's requests in flight per replica, for bounded loads. Counters live by replica name, so they carry over
/// between snapshots; each snapshot's index → counter table is resolved once per version.
/// </summary>
public sealed class InFlightTracker
{
    private readonly ConcurrentDictionary<string, StrongBox<int>> _byName = new(StringComparer.Ordinal);
    private CounterTable _current = new(RoutingSnapshot.Empty, []);

    /// <summary>The counters indexed like <paramref name="snapshot"/>'s replicas.</summary>
    public StrongBox<int>[] For(RoutingSnapshot snapshot)
    {
        var current = Volatile.Read(ref _current);
        if (ReferenceEquals(current.Snapshot, snapshot))
        {
            return current.Counters;
        }

        var counters = new StrongBox<int>[snapshot.Count];
        for (var i = 0; i < counters.Length; i++)
        {
            counters[i] = _byName.GetOrAdd(snapshot.Replicas[i].Name, static _ => new StrongBox<int>());
        }

        Volatile.Write(ref _current, new CounterTable(snapshot, counters));
        return counters;
    }

    public int Of(string replica) => _byName.TryGetValue(replica, out var counter) ? Volatile.Read(ref counter.Value) : 0;

    private sealed record CounterTable(RoutingSnapshot Snapshot, StrongBox<int>[] Counters);
}
