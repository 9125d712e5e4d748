using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Hosting;
using Orleans.LoadBalancer.Gateway.Keys;
using Orleans.LoadBalancer.Gateway.Metrics;
using Orleans.LoadBalancer.Gateway.Proxy;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Routing;
using Orleans.LoadBalancer.Tests.Routing;

namespace Orleans.LoadBalancer.Tests.Gateway;

/// <summary>The gateway's routing decision with the real types, without the network.</summary>
public sealed class RouteSelectorTests : IDisposable
{
    private readonly RingSnapshotStore _store = new();
    private readonly GatewayMetrics _metrics;
    private readonly InFlightTracker _inFlight;
    private readonly RoutingSnapshot _snapshot;

    public RouteSelectorTests()
    {
        _snapshot = TestTables.Snapshot(TestTables.Table(RoutingSettings.Slots, 4)) with { RingId = Guid.NewGuid() };
        _store.TryUpdate(_snapshot);
        _inFlight = new InFlightTracker(_store);
        _metrics = new GatewayMetrics(_store, TimeProvider.System);
    }

    public void Dispose() => _metrics.Dispose();

    [Fact]
    public void Racing_requests_for_one_hot_key_never_push_a_replica_past_the_bounded_load_cap()
    {
        var router = Router(balanceFactor: 1.25);
        const int threads = 8, rounds = 2_000;
        var cap = RoutingSnapshot.BoundedLoadCap(threads, _snapshot.Count, 1.25);
        var choices = new RouteChoice[threads];
        using var start = new Barrier(threads);
        using var placed = new Barrier(threads + 1);
        using var released = new Barrier(threads + 1);

        // Each round, every thread places one request for the same key at the same moment; none finishes until all
        // are placed, so no replica may hold more than the cap for that many requests.
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            for (var round = 0; round < rounds; round++)
            {
                start.SignalAndWait();
                choices[t] = router.Choose(Request("the-hot-key"), _snapshot);
                placed.SignalAndWait();
                released.SignalAndWait();
            }
        })).ToList();
        workers.ForEach(w => w.Start());

        var worst = 0;
        for (var round = 0; round < rounds; round++)
        {
            placed.SignalAndWait();
            Assert.Equal(threads, _inFlight.Total);
            worst = Math.Max(worst, _snapshot.Replicas.Max(r => _inFlight.Of(r.Name)));
            foreach (var choice in choices)
            {
                router.Release(choice, choice.Index);
            }

            released.SignalAndWait();
        }

        workers.ForEach(w => w.Join());
        Assert.True(worst <= cap, $"a replica held {worst} of {threads} requests; the cap is {cap}");
        Assert.Equal(0, _inFlight.Total);
    }

    [Fact]
    public void Without_bounded_loads_a_key_goes_to_its_own_replica_and_a_retry_moves_its_place()
    {
        var router = Router(balanceFactor: 0);
        var choice = router.Choose(Request("session-42"), _snapshot);
        Assert.Equal(_snapshot.Route(_snapshot.Hash("session-42")), choice.Index);
        Assert.Null(choice.GeneratedKey);
        Assert.Equal(1, _inFlight.Of(_snapshot.Replicas[choice.Index].Name));

        var next = router.Retry(_snapshot, choice, choice.Index, [choice.Index]);

        Span<int> order = stackalloc int[_snapshot.Count];
        _snapshot.PreferenceOrder(choice.Hash, order);
        Assert.Equal(order[1], next);
        Assert.Equal(0, _inFlight.Of(_snapshot.Replicas[choice.Index].Name));
        Assert.Equal(1, _inFlight.Of(_snapshot.Replicas[next].Name));
        router.Release(choice, next);
        Assert.Equal(0, _inFlight.Total);
    }

    [Fact]
    public void A_request_without_a_key_gets_a_six_digit_one_and_an_empty_ring_gets_none()
    {
        var router = Router(balanceFactor: 0);
        var context = new DefaultHttpContext();
        var choice = router.Choose(context, _snapshot);
        Assert.Matches("^[1-9][0-9]{5}$", choice.GeneratedKey);
        Assert.Equal(choice.GeneratedKey, context.Request.Headers["X-Request-Id"].ToString());
        router.Release(choice, choice.Index);

        Assert.Equal(-1, router.Choose(Request("k"), RoutingSnapshot.Empty).Index);
    }

    private RouteSelector Router(double balanceFactor)
    {
        var options = Options.Create(new GatewayOptions());
        var suspects = new ReplicaSuspects(new Unreported(), _store, options, NullLogger<ReplicaSuspects>.Instance);
        return new RouteSelector(new KeySelector("X-Request-Id", [], []), suspects, _inFlight, _metrics, balanceFactor);
    }

    private static DefaultHttpContext Request(string key)
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
