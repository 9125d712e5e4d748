using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.UnitTests.Routing;

public sealed class RoutingTableTests
{
    [Theory]
    [InlineData("slots")]
    [InlineData("ring")]
    [InlineData("maglev")]
    [InlineData("classic")]
    public void Two_independently_built_snapshots_route_every_key_the_same(string algorithm)
    {
        var keys = TestTables.Keys(20_000);
        var a = TestTables.Snapshot(TestTables.Table(algorithm, 7));
        var b = TestTables.Snapshot(TestTables.Table(algorithm, 7));

        Assert.Equal(TestTables.Owners(a, keys), TestTables.Owners(b, keys));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(16)]
    [InlineData(64)]
    public void Slots_are_balanced_within_one_slot(int replicas)
    {
        var snapshot = TestTables.Snapshot(TestTables.Table(RoutingSettings.Slots, replicas));
        var shares = Enumerable.Range(0, replicas).Select(snapshot.Share).ToList();

        Assert.Equal(1.0, shares.Sum(), 9);
        Assert.True(shares.Max() - shares.Min() <= 1.0 / 65536 + 1e-12, $"max {shares.Max()} min {shares.Min()}");
        Assert.True(shares.Max() * replicas <= 1.01);
    }

    [Theory]
    [InlineData("slots", 3)]
    [InlineData("slots", 10)]
    [InlineData("ring", 3)]
    [InlineData("ring", 10)]
    [InlineData("maglev", 3)]
    [InlineData("maglev", 10)]
    public void Adding_a_replica_moves_keys_only_to_it_and_removing_it_restores_every_key(string algorithm, int replicas)
    {
        var keys = TestTables.Keys(100_000);
        var table = TestTables.Table(algorithm, replicas);
        var before = TestTables.Owners(TestTables.Snapshot(table), keys);
        var grown = table.Add(["newcomer"]);
        var during = TestTables.Owners(TestTables.Snapshot(grown), keys);
        var restored = TestTables.Owners(TestTables.Snapshot(grown.Remove(["newcomer"])), keys);

        var moved = Enumerable.Range(0, keys.Length).Where(i => before[i] != during[i]).ToList();
        var betweenOld = moved.Count(i => during[i] != "newcomer") / (double)keys.Length;
        var fraction = moved.Count / (double)keys.Length;
        var ideal = 1.0 / (replicas + 1);
        if (algorithm == RoutingSettings.Maglev)
        {
            Assert.True(betweenOld <= 0.005, $"maglev moved {betweenOld:P2} of keys between old replicas");
        }
        else
        {
            Assert.Equal(0, betweenOld);
        }

        // 100,000 keys put the sampled fraction within about ±0.5% of the exact one.
        Assert.InRange(fraction / ideal, algorithm == RoutingSettings.Slots ? 0.97 : 0.8, algorithm == RoutingSettings.Slots ? 1.03 : 1.2);
        Assert.Equal(before, restored);
    }

    [Fact]
    public void Slots_move_exactly_the_ideal_number_of_slots_on_add()
    {
        for (var replicas = 1; replicas < 20; replicas++)
        {
            var table = TestTables.Table(RoutingSettings.Slots, replicas);
            var grown = table.Add(["newcomer"]);
            var moved = Enumerable.Range(0, 65536).Count(s => table.SlotOwners[s] != grown.SlotOwners[s]);
            Assert.InRange(moved, 65536 / (replicas + 1), (65536 + replicas) / (replicas + 1));
        }
    }

    [Fact]
    public void Removing_a_replica_moves_only_its_keys_and_keeps_the_balance()
    {
        var keys = TestTables.Keys(50_000);
        var table = TestTables.Table(RoutingSettings.Slots, 6);
        var before = TestTables.Owners(TestTables.Snapshot(table), keys);
        var shrunk = TestTables.Snapshot(table.Remove(["replica-2"]));
        var after = TestTables.Owners(shrunk, keys);

        for (var i = 0; i < keys.Length; i++)
        {
            if (before[i] != "replica-2")
            {
                Assert.Equal(before[i], after[i]);
            }
        }

        var shares = Enumerable.Range(0, shrunk.Count).Select(shrunk.Share).ToList();
        Assert.True(shares.Max() - shares.Min() <= 1.0 / 65536 + 1e-12);
    }

    [Fact]
    public void A_long_history_of_adds_and_removes_keeps_slots_balanced_and_restores_on_undo()
    {
        var table = TestTables.Table(RoutingSettings.Slots, 4);
        var random = new Random(7);
        var next = 100;
        for (var step = 0; step < 40; step++)
        {
            var before = table;
            if (table.Members.Count > 2 && random.Next(2) == 0)
            {
                table = table.Remove([table.Members[random.Next(table.Members.Count)]]);
            }
            else
            {
                var name = $"r{next++}";
                table = table.Add([name]);
                // Undoing the add restores every slot.
                Assert.Equal(before.SlotOwners, table.Remove([name]).SlotOwners);
            }

            var counts = table.SlotOwners.GroupBy(o => o).Select(g => g.Count()).ToList();
            Assert.Equal(table.Members.Count, counts.Count);
            Assert.True(counts.Max() - counts.Min() <= 1, $"step {step}: counts {string.Join(",", counts)}");
        }
    }

    [Fact]
    public void Marking_a_replica_down_moves_only_its_keys_spread_over_the_others()
    {
        foreach (var algorithm in TestTables.Algorithms)
        {
            var keys = TestTables.Keys(30_000);
            var table = TestTables.Table(algorithm, 5);
            var up = TestTables.Owners(TestTables.Snapshot(table), keys);
            var down = TestTables.Owners(TestTables.Snapshot(table, down: new HashSet<string> { "replica-3" }), keys);

            var moved = Enumerable.Range(0, keys.Length).Where(i => up[i] != down[i]).ToList();
            Assert.All(moved, i => Assert.Equal("replica-3", up[i]));
            Assert.DoesNotContain("replica-3", down);
            if (algorithm != RoutingSettings.Classic)
            {
                // The down replica's keys go to every other replica, not to one neighbour.
                Assert.Equal(4, moved.Select(i => down[i]).Distinct().Count());
            }
        }
    }

    [Fact]
    public void An_empty_snapshot_routes_nowhere_without_throwing()
    {
        foreach (var snapshot in TestTables.Algorithms.Select(a => TestTables.Snapshot(TestTables.Table(a, 0))).Append(RoutingSnapshot.Empty))
        {
            var hash = snapshot.Hash("anything");
            Assert.Equal(-1, snapshot.Owner(hash));
            Assert.Equal(-1, snapshot.Route(hash));
            Assert.Equal(0, snapshot.PreferenceOrder(hash, new int[4]));
        }
    }

    [Fact]
    public void All_replicas_down_routes_nowhere()
    {
        var table = TestTables.Table(RoutingSettings.Slots, 3);
        var snapshot = TestTables.Snapshot(table, down: table.Members.ToHashSet());
        Assert.Equal(-1, snapshot.Route(snapshot.Hash("k")));
    }
}
