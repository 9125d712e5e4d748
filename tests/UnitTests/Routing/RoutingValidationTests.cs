using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.UnitTests.Routing;

/// <summary>Bad settings, membership changes and snapshot inputs fail at build time with a clear message.</summary>
public sealed class RoutingValidationTests
{
    [Theory]
    [InlineData("nope", 256, 65537, 65536, "Unknown routing algorithm 'nope'")]
    [InlineData("ring", 0, 65537, 65536, "PointsPerReplica must be between 1 and 65536, not 0")]
    [InlineData("maglev", 256, 65536, 65536, "MaglevTableSize must be a prime")]
    [InlineData("slots", 256, 65537, 0, "SlotCount must be between 1 and 16777216, not 0")]
    public void Invalid_settings_are_rejected_with_a_clear_message(string algorithm, int points, int maglev, int slots, string message)
    {
        var settings = new RoutingSettings { Algorithm = algorithm, PointsPerReplica = points, MaglevTableSize = maglev, SlotCount = slots };
        var error = Assert.Throws<ArgumentException>(() => RoutingTable.Create(settings));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Bad_membership_changes_are_rejected_and_leave_the_table_as_it_was()
    {
        var table = TestTables.Table(RoutingSettings.Slots, 2);

        Assert.Contains("already exists", Assert.Throws<ArgumentException>(() => table.Add(["replica-1"])).Message);
        Assert.Contains("more than once", Assert.Throws<ArgumentException>(() => table.Add(["x", "x"])).Message);
        Assert.Contains("must not be empty", Assert.Throws<ArgumentException>(() => table.Add([" "])).Message);
        Assert.Contains("does not exist", Assert.Throws<ArgumentException>(() => table.Remove(["ghost"])).Message);
        Assert.Contains("at most 3 replicas", Assert.Throws<ArgumentException>(() =>
            RoutingTable.Create(new RoutingSettings { SlotCount = 3 }).Add(TestTables.Names(4).ToList())).Message);
        Assert.Contains("at most 56 replicas", Assert.Throws<ArgumentException>(() => TestTables.Table(RoutingSettings.Classic, 57)).Message);
        Assert.Equal(["replica-1", "replica-2"], table.Members);
    }

    [Fact]
    public void A_maglev_table_smaller_than_the_replica_count_is_rejected()
    {
        var table = RoutingTable.Create(new RoutingSettings { Algorithm = RoutingSettings.Maglev, MaglevTableSize = 3 }).Add(["a", "b", "c"]);
        var error = Assert.Throws<ArgumentException>(() => table.Add(["d"]));

        Assert.Contains("The maglev table holds at most 3 replicas (MaglevTableSize is 3 and every replica needs an entry of its own), not 4", error.Message);
        Assert.Equal(3, TestTables.Snapshot(table).Count);
    }

    [Fact]
    public void A_ring_beyond_four_million_points_is_rejected()
    {
        var settings = new RoutingSettings { Algorithm = RoutingSettings.Ring, PointsPerReplica = 65_536 };
        var table = RoutingTable.Create(settings).Add(TestTables.Names(63).ToList());
        var error = Assert.Throws<ArgumentException>(() => table.Add(["sixty-four", "sixty-five"]));

        Assert.Contains("The ring table holds at most 64 replicas (65536 points per replica, at most 4194304 points in all), not 65", error.Message);
        Assert.Equal(RoutingSettings.MaxReplicas, (settings with { PointsPerReplica = 256 }).Capacity);
    }

    [Fact]
    public void A_snapshot_needs_exactly_the_table_members_once_each()
    {
        var table = TestTables.Table(RoutingSettings.Slots, 3);
        RoutedReplica Replica(string name) => new(name, $"http://127.0.0.1/{name}", true);

        Assert.Contains("Replica 'replica-1' is given more than once", Assert.Throws<ArgumentException>(() =>
            RoutingSnapshot.Create(1, table, [Replica("replica-1"), Replica("replica-1"), Replica("replica-2"), Replica("replica-3")])).Message);
        Assert.Contains("are not the table's members (replica-1, replica-2, replica-3)", Assert.Throws<ArgumentException>(() =>
            RoutingSnapshot.Create(1, table, [Replica("replica-1"), Replica("replica-2")])).Message);
        Assert.Contains("are not the table's members", Assert.Throws<ArgumentException>(() =>
            RoutingSnapshot.Create(1, table, [Replica("replica-1"), Replica("replica-2"), Replica("ghost")])).Message);
        Assert.Contains("are not the table's members", Assert.Throws<ArgumentException>(() =>
            RoutingSnapshot.Create(1, table, [Replica("replica-1"), Replica("replica-2"), Replica("replica-3"), Replica("extra")])).Message);

        // Any order of the same replicas is fine: the snapshot follows the table's order.
        var snapshot = RoutingSnapshot.Create(1, table, [Replica("replica-3"), Replica("replica-1"), Replica("replica-2")]);
        Assert.Equal(table.Members, snapshot.Replicas.Select(r => r.Name));
    }

    [Fact]
    public void A_snapshot_rejects_a_table_that_add_and_remove_could_not_have_built()
    {
        var table = TestTables.Table(RoutingSettings.Slots, 3);
        var replicas = table.Members.Select(n => new RoutedReplica(n, "http://127.0.0.1", true)).ToList();

        Assert.Contains("3 members but 2 member numbers", Assert.Throws<ArgumentException>(() =>
            RoutingSnapshot.Create(1, table with { Numbers = [1, 2] }, replicas)).Message);
        Assert.Contains("10 slot owners, not SlotCount = 65536", Assert.Throws<ArgumentException>(() =>
            RoutingSnapshot.Create(1, table with { SlotOwners = new int[10] }, replicas)).Message);
        Assert.Contains("Slot 0 is owned by member number 9, which is not in the table", Assert.Throws<ArgumentException>(() =>
            RoutingSnapshot.Create(1, table with { SlotOwners = [9, .. table.SlotOwners[1..]] }, replicas)).Message);
        Assert.Contains("Unknown routing algorithm 'nope'", Assert.Throws<ArgumentException>(() =>
            RoutingSnapshot.Create(1, table with { Settings = table.Settings with { Algorithm = "nope" } }, replicas)).Message);
    }
}
