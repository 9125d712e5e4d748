using Orleans.LoadBalancer.Routing;
using Orleans.LoadBalancer.UnitTests.Routing;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Proxy;

/// <summary>The gateway's side of a drain: draining replicas get no new requests, and a removed replica's count outlives its removal while busy.</summary>
public sealed class RouteSelectorDrainTests : IDisposable
{
    private readonly RouteSelectorRig _rig = new();

    public void Dispose() => _rig.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(1.25)]
    public void No_request_goes_to_a_draining_replica_with_or_without_bounded_loads(double balanceFactor)
    {
        var table = TestTables.Table(RoutingSettings.Slots, 4);
        var snapshot = _rig.Install(RoutingSnapshot.Create(1, table, table.Members
            .Select(n => new RoutedReplica(n, $"http://127.0.0.1/{n}", true, Draining: n == "replica-2")).ToList()));
        var router = _rig.Router(balanceFactor);

        // Load on the others, so that bounded loads would divert to an idle replica if it counted the draining one.
        _rig.Hold(snapshot, [5, 0, 5, 5]);
        var chosen = Enumerable.Range(0, 2000).Select(i => router.Choose(RouteSelectorRig.Request($"k{i}"), snapshot).Index).ToList();

        Assert.DoesNotContain(1, chosen);
        Assert.Equal(3, chosen.Distinct().Count());
    }

    [Fact]
    public void A_removed_replica_keeps_its_in_flight_count_until_its_last_request_finishes()
    {
        var table = TestTables.Table(RoutingSettings.Slots, 3);
        var before = _rig.Install(TestTables.Snapshot(table));
        _rig.Hold(before, [0, 2, 0]);

        _rig.Install(TestTables.Snapshot(table.Remove(["replica-2"]), version: 2));
        Assert.Equal(2, _rig.InFlight.Of("replica-2"));

        _rig.Release(before, [0, 1, 0]);
        _rig.Install(TestTables.Snapshot(table.Remove(["replica-2"]), version: 3));
        Assert.Equal(1, _rig.InFlight.Of("replica-2"));

        _rig.Release(before, [0, 1, 0]);
        Assert.Equal(0, _rig.InFlight.Of("replica-2"));

        // Idle, it goes with the next snapshot; back in the ring, it counts from zero.
        _rig.Install(TestTables.Snapshot(table, version: 4));
        Assert.Equal(0, _rig.InFlight.Of("replica-2"));
    }
}
