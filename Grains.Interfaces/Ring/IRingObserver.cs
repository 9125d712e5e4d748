using Orleans.Concurrency;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Ring;

/// <summary>A gateway following the ring. One-way, so a dead gateway never stalls the RingGrain.</summary>
[Alias("Orleans.LoadBalancer.Ring.IRingObserver")]
public interface IRingObserver : IGrainObserver
{
    [OneWay, Alias("OnSnapshot")]
    Task OnSnapshot(RoutingSnapshot snapshot);

    /// <summary>What changed since the previous version; a holder of another version fetches the whole snapshot instead.</summary>
    [OneWay, Alias("OnDelta")]
    Task OnDelta(RoutingDelta delta);
}
