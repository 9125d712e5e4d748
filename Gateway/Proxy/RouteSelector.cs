using System.Runtime.CompilerServices;
using Orleans.LoadBalancer.Gateway.Keys;
using Orleans.LoadBalancer.Gateway.Metrics;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// The routing decision for one request, without the network: key → snapshot → the first usable replica in the key's
/// preference order (up in the ring, not suspect here, and with bounded loads under the cap), holding an in-flight
/// place on it until <see cref="Release"/>. No lock and no allocation on the way.
/// </summary>
internal sealed class RouteSelector(KeySelector keys, ReplicaSuspects suspects, InFlightTracker inFlight, GatewayMetrics metrics, double balanceFactor)
{
    private const int MaxCandidates = 32;

    /// <summary>0: bounded loads off. Otherwise above 1, as the cap requires: checked once here, not failing every request.</summary>
    private readonly double _balanceFactor = balanceFactor == 0 || balanceFactor > 1
        ? balanceFactor
        : throw new ArgumentOutOfRangeException(nameof(balanceFactor), balanceFactor, "The balance factor must be above 1, or 0 for off");

    /// <summary>Chooses the replica for <paramref name="context"/> and holds a place on it; index -1 when there is none.</summary>
    public SelectedRoute Choose(HttpContext context, RoutingSnapshot snapshot) => Choose(keys.Select(context), snapshot);

    /// <summary>The same for a request outside Kestrel's pipeline (<see cref="KeySelector.ReadsHeadOnly"/>).</summary>
    public SelectedRoute Choose<TRequest>(in TRequest request, RoutingSnapshot snapshot)
        where TRequest : struct, IKeyRequest => Choose(keys.Select(request), snapshot);

    /// <summary>Whether <see cref="Choose{TRequest}"/> can read this configuration's key sources.</summary>
    public bool ReadsHeadOnly => keys.ReadsHeadOnly;

    private SelectedRoute Choose(RoutingKey key, RoutingSnapshot snapshot)
    {
        var hash = snapshot.Hash(key.Value);
        var counters = inFlight.For(snapshot);
        var index = _balanceFactor > 0 ? ChooseBounded(snapshot, hash, counters) : ChooseAndHold(snapshot, hash, counters, []);
        return new SelectedRoute(index, hash, key.Generated ? key.Value : null, counters, key.Value);
    }

    /// <summary>
    /// Moves the request's place from <paramref name="failed"/> to the next usable replica in the key's order that is
    /// not in <paramref name="tried"/>; -1 (and the place given back) when there is none.
    /// </summary>
    public int Retry(RoutingSnapshot snapshot, SelectedRoute choice, int failed, ReadOnlySpan<int> tried)
    {
        inFlight.Release(choice.Places[failed]);
        return ChooseAndHold(snapshot, choice.Hash, choice.Places, tried);
    }

    /// <summary>Whether <see cref="Retry"/> past <paramref name="tried"/> would find a replica, without taking a place.</summary>
    public bool HasNext(RoutingSnapshot snapshot, SelectedRoute choice, ReadOnlySpan<int> tried) => Usable(snapshot, choice.Hash, tried) >= 0;

    /// <summary>Gives back the place the request holds on replica <paramref name="index"/>.</summary>
    public void Release(SelectedRoute choice, int index) => inFlight.Release(choice.Places[index]);

    /// <summary>The first replica in the key's order that is routable (up, not draining), not suspect here, and not in <paramref name="exclude"/>.</summary>
    private int ChooseAndHold(RoutingSnapshot snapshot, ulong hash, StrongBox<int>[] counters, ReadOnlySpan<int> exclude)
    {
        var index = Usable(snapshot, hash, exclude);
        if (index >= 0)
        {
            inFlight.Hold(counters[index]);
        }

        return index;
    }

    private int Usable(RoutingSnapshot snapshot, ulong hash, ReadOnlySpan<int> exclude)
    {
        var index = snapshot.Route(hash);
        if (index < 0 || (!exclude.Contains(index) && !suspects.IsSuspect(snapshot.Replicas[index])))
        {
            return index;
        }

        // The first few replicas of the key's order are enough: beyond them every replica is down, suspect or full.
        Span<int> order = stackalloc int[Math.Min(snapshot.Count, MaxCandidates)];
        var count = snapshot.PreferenceOrder(hash, order);
        var fallback = -1;
        for (var i = 0; i < count; i++)
        {
            var candidate = order[i];
            if (exclude.Contains(candidate) || !snapshot.Replicas[candidate].IsRoutable)
            {
                continue;
            }

            if (!suspects.IsSuspect(snapshot.Replicas[candidate]))
            {
                return candidate;
            }

            // Every replica suspect: trying one beats failing the request.
            fallback = fallback < 0 ? candidate : fallback;
        }

        return fallback;
    }

    /// <summary>
    /// Bounded loads: the first usable replica in the key's order that takes a place under the cap
    /// (<see cref="RoutingSnapshot.BoundedLoadCap"/>); the place is taken atomically, so racing requests never push a
    /// replica past it. A request that found every replica full with a cap read while others were being placed reads
    /// the total again (the cap grows with it); failing that, it goes to the least loaded usable replica.
    /// </summary>
    private int ChooseBounded(RoutingSnapshot snapshot, ulong hash, StrongBox<int>[] counters)
    {
        var up = snapshot.UpCount;
        var preferred = Usable(snapshot, hash, []);
        if (up == 0 || preferred < 0)
        {
            return -1;
        }

        // The first few replicas of the key's order are enough: beyond them every replica is down, suspect or full.
        Span<int> order = stackalloc int[Math.Min(snapshot.Count, MaxCandidates)];
        var count = 0;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var cap = RoutingSnapshot.BoundedLoadCap(inFlight.Total + 1, up, _balanceFactor);
            if (inFlight.TryHold(counters[preferred], cap))
            {
                return preferred;
            }

            count = count > 0 ? count : snapshot.PreferenceOrder(hash, order);
            for (var i = 0; i < count; i++)
            {
                var candidate = order[i];
                if (candidate != preferred && IsUsable(snapshot.Replicas[candidate]) && inFlight.TryHold(counters[candidate], cap))
                {
                    metrics.Diverted(snapshot.Replicas[preferred].Name);
                    return candidate;
                }
            }
        }

        var least = preferred;
        for (var i = 0; i < count; i++)
        {
            var candidate = order[i];
            if (IsUsable(snapshot.Replicas[candidate]) && Volatile.Read(ref counters[candidate].Value) < Volatile.Read(ref counters[least].Value))
            {
                least = candidate;
            }
        }

        inFlight.Hold(counters[least]);
        if (least != preferred)
        {
            metrics.Diverted(snapshot.Replicas[preferred].Name);
        }

        return least;
    }

    private bool IsUsable(RoutedReplica replica) => replica.IsRoutable && !suspects.IsSuspect(replica);
}
