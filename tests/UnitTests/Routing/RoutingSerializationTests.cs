using Microsoft.Extensions.DependencyInjection;
using Orleans.LoadBalancer.Routing;
using Orleans.Serialization;

namespace Orleans.LoadBalancer.UnitTests.Routing;

/// <summary>The snapshot crosses the wire and the table is persisted: both survive Orleans serialization whole.</summary>
public sealed class RoutingSerializationTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    [Theory]
    [MemberData(nameof(PreferenceOrderTests.Algorithms), MemberType = typeof(PreferenceOrderTests))]
    public void A_snapshot_routes_the_same_after_a_round_trip(string algorithm)
    {
        var table = TestTables.Table(algorithm, 7);
        var snapshot = TestTables.Snapshot(table, version: 42, down: new HashSet<string> { "replica-3" });
        var copy = Serializer.Deserialize<RoutingSnapshot>(Serializer.SerializeToArray(snapshot))!;

        Assert.NotSame(snapshot, copy);
        Assert.Equal(42, copy.Version);
        Assert.Equal(snapshot.Settings, copy.Settings);
        Assert.Equal(snapshot.Replicas, copy.Replicas);
        Assert.Equal(snapshot.TableBytes, copy.TableBytes);
        Assert.Equal(Enumerable.Range(0, 7).Select(snapshot.Share), Enumerable.Range(0, 7).Select(copy.Share));

        // The private lookup arrays came along: owners, routes around the down replica, and preference orders agree.
        var order = new int[7];
        var copyOrder = new int[7];
        foreach (var key in TestTables.Keys(5_000))
        {
            var hash = snapshot.Hash(key);
            Assert.Equal(hash, copy.Hash(key));
            Assert.Equal(snapshot.Owner(hash), copy.Owner(hash));
            Assert.Equal(snapshot.Route(hash), copy.Route(hash));
            snapshot.PreferenceOrder(hash, order);
            copy.PreferenceOrder(hash, copyOrder);
            Assert.Equal(order, copyOrder);
        }
    }

    [Fact]
    public void A_table_keeps_its_history_through_a_round_trip()
    {
        var table = TestTables.Table(RoutingSettings.Slots, 5);
        var grown = table.Add(["newcomer", "another"]);
        var copy = Serializer.Deserialize<RoutingTable>(Serializer.SerializeToArray(grown))!;

        Assert.Equal(grown.Members, copy.Members);
        Assert.Equal(grown.Numbers, copy.Numbers);
        Assert.Equal(grown.NextNumber, copy.NextNumber);
        Assert.Equal(grown.SlotOwners, copy.SlotOwners);

        // The history came along: undoing the adds on the copy restores every slot.
        Assert.Equal(table.SlotOwners, copy.Remove(["another", "newcomer"]).SlotOwners);
    }
}
