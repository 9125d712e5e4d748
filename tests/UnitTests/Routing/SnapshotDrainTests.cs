using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.UnitTests.Routing;

/// <summary>A draining replica is skipped like a down one, by the snapshot's routing and its bounded-load count; the table keeps its place.</summary>
public sealed class SnapshotDrainTests
{
    [Theory]
    [MemberData(nameof(AllAlgorithms))]
    public void Draining_moves_only_the_replicas_keys_and_undraining_restores_every_key(string algorithm)
    {
        var table = TestTables.Table(algorithm, 5);
        var keys = TestTables.Keys(4000);
        var before = TestTables.Owners(TestTables.Snapshot(table), keys);

        var drained = Snapshot(table, draining: "replica-3");
        var during = TestTables.Owners(drained, keys);

        Assert.Equal(4, drained.UpCount);
        Assert.DoesNotContain("replica-3", during);
        for (var i = 0; i < keys.Length; i++)
        {
            if (before[i] != "replica-3")
            {
                Assert.Equal(before[i], during[i]);
            }
        }

        // Each drained key goes where a down replica's key would go: the next one in the key's preference order.
        var down = TestTables.Owners(TestTables.Snapshot(table, down: new HashSet<string> { "replica-3" }), keys);
        Assert.Equal(down, during);

        Assert.Equal(before, TestTables.Owners(Snapshot(table, draining: null), keys));
    }

    [Fact]
    public void Routable_means_up_and_not_draining()
    {
        Assert.True(new RoutedReplica("a", "http://a", IsUp: true).IsRoutable);
        Assert.False(new RoutedReplica("a", "http://a", IsUp: false).IsRoutable);
        Assert.False(new RoutedReplica("a", "http://a", IsUp: true, Draining: true).IsRoutable);
        Assert.False(new RoutedReplica("a", "http://a", IsUp: false, Draining: true).IsRoutable);
    }

    [Fact]
    public void A_ring_whose_every_replica_drains_routes_nowhere()
    {
        var table = TestTables.Table(RoutingSettings.Slots, 2);
        var snapshot = RoutingSnapshot.Create(1, table, table.Members.Select(n => new RoutedReplica(n, "http://x", true, Draining: true)).ToList());

        Assert.Equal(-1, snapshot.Route(snapshot.Hash("any")));
        Assert.Equal(0, snapshot.UpCount);
    }

    public static TheoryData<string> AllAlgorithms() => new(TestTables.Algorithms);

    private static RoutingSnapshot Snapshot(RoutingTable table, string? draining) =>
        RoutingSnapshot.Create(2, table, table.Members.Select(n => new RoutedReplica(n, $"http://127.0.0.1/{n}", true, Draining: n == draining)).ToList());
}
