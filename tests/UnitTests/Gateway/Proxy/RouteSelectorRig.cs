using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.LoadBalancer.Gateway.Keys;
using Orleans.LoadBalancer.Gateway.Metrics;
using Orleans.LoadBalancer.Gateway.Proxy;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Proxy;

/// <summary>
/// <see cref="RouteSelector"/>s with the gateway's real collaborators around one snapshot store: keys from the
/// <c>X-Request-Id</c> header, no suspects unless marked, one in-flight tracker shared by every selector made here.
/// </summary>
internal sealed class RouteSelectorRig : IDisposable
{
    private readonly RingSnapshotStore _store = new();
    private readonly ReplicaSuspects _suspects;
    private readonly GatewayMetrics _metrics;

    public RouteSelectorRig()
    {
        InFlight = new InFlightTracker(_store);
        _metrics = new GatewayMetrics(_store, TimeProvider.System);
        _suspects = new ReplicaSuspects(new Unreported(), _store, NullLogger<ReplicaSuspects>.Instance);
        Outliers = new OutlierDetector(_suspects, _metrics, _store, NullLogger<OutlierDetector>.Instance);
    }

    /// <summary>Outlier detection over the rig's suspects, as the gateway's.</summary>
    public OutlierDetector Outliers { get; }

    public bool IsSuspect(RoutedReplica replica) => _suspects.IsSuspect(replica);

    public InFlightTracker InFlight { get; }

    public void Dispose() => _metrics.Dispose();

    public RouteSelector Router(double balanceFactor) =>
        new(new KeySelector("X-Request-Id", [], []), _suspects, InFlight, _metrics, balanceFactor);

    /// <summary>Makes <paramref name="snapshot"/> the store's current one, as the gateway routes with; returns the installed copy.</summary>
    public RoutingSnapshot Install(RoutingSnapshot snapshot)
    {
        var installed = snapshot with { RingId = Guid.NewGuid() };
        Assert.True(_store.TryUpdate(installed));
        return installed;
    }

    /// <summary>Takes <c>loads[i]</c> places on replica i through the tracker, as requests in flight would.</summary>
    public void Hold(RoutingSnapshot snapshot, IReadOnlyList<int> loads)
    {
        var counters = InFlight.For(snapshot);
        for (var i = 0; i < loads.Count; i++)
        {
            for (var place = 0; place < loads[i]; place++)
            {
                InFlight.Hold(counters[i]);
            }
        }
    }

    /// <summary>Gives back what <see cref="Hold"/> took.</summary>
    public void Release(RoutingSnapshot snapshot, IReadOnlyList<int> loads)
    {
        var counters = InFlight.For(snapshot);
        for (var i = 0; i < loads.Count; i++)
        {
            for (var place = 0; place < loads[i]; place++)
            {
                InFlight.Release(counters[i]);
            }
        }
    }

    public int Load(RoutingSnapshot snapshot, int replica) => InFlight.Of(snapshot.Replicas[replica].Name);

    public static DefaultHttpContext Request(string key)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers["X-Request-Id"] = key;
        return context;
    }

    private sealed class Unreported : ISuspectReporter
    {
        public void Report(string replica)
        {
        }
    }
}
