using Microsoft.AspNetCore.Http;
using Orleans.LoadBalancer.Gateway.Proxy;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Routing;
using Orleans.LoadBalancer.UnitTests.Routing;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Proxy;

/// <summary>The gateway's routing decision with the real types, without the network.</summary>
public sealed class RouteSelectorTests : IDisposable
{
    private readonly RouteSelectorRig _rig = new();
    private readonly InFlightTracker _inFlight;
    private readonly RoutingSnapshot _snapshot;

    public RouteSelectorTests()
    {
        _inFlight = _rig.InFlight;
        _snapshot = _rig.Install(TestTables.Snapshot(TestTables.Table(RoutingSettings.Slots, 4)));
    }

    public void Dispose() => _rig.Dispose();

    [Fact]
    public void Racing_requests_for_one_hot_key_never_push_a_replica_past_the_bounded_load_cap()
    {
        var router = Router(balanceFactor: 1.25);
        const int threads = 8, rounds = 2_000;
        var cap = RoutingSnapshot.BoundedLoadCap(threads, _snapshot.Count, 1.25);
        var choices = new SelectedRoute[threads];
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
    public void Requests_chosen_and_released_on_many_threads_at_once_never_find_a_replica_past_the_bounded_load_cap()
    {
        var router = Router(balanceFactor: 1.25);
        const int threads = 8, requests = 100_000;

        // Every thread holds at most one place, so an admission never reads more than threads − 1 in flight besides
        // itself: its cap is at most this one. A count is only ever raised by an admission, so a count above it, seen
        // at any moment, means some admission went past its cap. Each place is held across a yield, so the others'
        // places are mostly in flight meanwhile: admissions read about threads − 1, and this is their actual cap.
        var cap = RoutingSnapshot.BoundedLoadCap(threads, _snapshot.Count, 1.25);
        var worst = 0;
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            var context = Request("the-hot-key");
            start.SignalAndWait();
            for (var request = 0; request < requests; request++)
            {
                var choice = router.Choose(context, _snapshot);
                Max(ref worst, Volatile.Read(ref choice.Places[choice.Index].Value));
                Thread.Yield();
                router.Release(choice, choice.Index);
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        Assert.True(worst <= cap, $"a replica held {worst} requests; no admission may go past {cap}");
        Assert.True(worst == cap, $"no replica ever filled to the cap of {cap}: the requests hardly overlapped");
        Assert.Equal(0, _inFlight.Total);
        Assert.All(_snapshot.Replicas, r => Assert.Equal(0, _inFlight.Of(r.Name)));
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

    private static void Max(ref int most, int value)
    {
        for (var seen = Volatile.Read(ref most); value > seen; seen = Volatile.Read(ref most))
        {
            if (Interlocked.CompareExchange(ref most, value, seen) == seen)
            {
                return;
            }
        }
    }

    private RouteSelector Router(double balanceFactor) => _rig.Router(balanceFactor);

    private static DefaultHttpContext Request(string key) => RouteSelectorRig.Request(key);
}
