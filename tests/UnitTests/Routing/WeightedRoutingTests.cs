using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.UnitTests.Routing;

/// <summary>Weights across the algorithms: what the table refuses, how shares follow weights, and what a change moves.</summary>
public sealed class WeightedRoutingTests
{
    private const int Scale = RoutingTable.WeightScale;

    [Fact]
    public void Bad_weights_are_refused_with_a_clear_message_and_change_nothing()
    {
        var table = TestTables.Table(RoutingSettings.Slots, 3);
        Assert.Contains("outside 1–10000", Assert.Throws<ArgumentException>(() => table.ChangeWeights([new("replica-1", 0)])).Message);
        Assert.Contains("outside 1–10000", Assert.Throws<ArgumentException>(() => table.ChangeWeights([new("replica-1", 10_001)])).Message);
        Assert.Contains("does not exist", Assert.Throws<ArgumentException>(() => table.ChangeWeights([new("nobody", 200)])).Message);
        Assert.Contains("more than once", Assert.Throws<ArgumentException>(() => table.ChangeWeights([new("replica-1", 200), new("replica-1", 300)])).Message);
        Assert.Contains("outside 1–10000", Assert.Throws<ArgumentException>(() => table.Add(["x"], [0])).Message);
        Assert.Contains("from 1 to 100", Assert.Throws<ArgumentException>(() => RoutingTable.TableWeight(101)).Message);
        Assert.Contains("from 1 to 100", Assert.Throws<ArgumentException>(() => RoutingTable.TableWeight(0)).Message);

        var classic = TestTables.Table(RoutingSettings.Classic, 3);
        Assert.Contains("classic assignment has no weights", Assert.Throws<ArgumentException>(() => classic.ChangeWeights([new("replica-1", 300)])).Message);
        Assert.Contains("classic assignment has no weights", Assert.Throws<ArgumentException>(() => classic.Add(["x"], [200])).Message);
        Assert.Same(classic, classic.ChangeWeights([new("replica-1", Scale)]));

        var ring = RoutingTable.Create(new RoutingSettings { Algorithm = RoutingSettings.Ring, PointsPerReplica = 65536 }).Add(["a", "b"]);
        Assert.Contains("points", Assert.Throws<ArgumentException>(() => ring.ChangeWeights([new("a", 10_000)])).Message);
        Assert.Equal([Scale, Scale, Scale], table.MemberWeights);
    }

    [Fact]
    public void A_table_stored_before_weights_loads_with_weight_one_each()
    {
        var table = TestTables.Table(RoutingSettings.Slots, 4) with { Weights = [] };
        Assert.Equal([Scale, Scale, Scale, Scale], table.MemberWeights);
        var snapshot = TestTables.Snapshot(table);
        Assert.All(snapshot.Replicas, r => Assert.Equal(Scale, r.TableWeight));
        Assert.All(Enumerable.Range(0, 4), i => Assert.InRange(snapshot.Share(i), 0.25 - (1.0 / 65536), 0.25 + (1.0 / 65536)));

        // Weights of 1 keep the array empty, as stored tables had it.
        Assert.Empty(table.ChangeWeights([new("replica-2", 300)]).ChangeWeights([new("replica-2", Scale)]).Weights);
    }

    [Theory]
    [InlineData(RoutingSettings.Maglev, 0.01)]
    [InlineData(RoutingSettings.Ring, 0.25)]
    [InlineData(RoutingSettings.Slots, 0.001)]
    public void Shares_follow_weights_within_the_algorithms_tolerance(string algorithm, double tolerance)
    {
        // Maglev's weighted fill hands out entries in proportion to weight (one turn off at most); the ring's points are
        // in proportion but its arcs are random (about 1/√256 ≈ 6 % at weight 1: 25 % is four deviations); slots are
        // exact to a slot (36/65536 relative at worst here).
        var random = new Random(17);
        for (var round = 0; round < 5; round++)
        {
            var weights = Enumerable.Range(0, random.Next(2, 7)).Select(_ => random.Next(1, 8) * Scale).ToList();
            var table = RoutingTable.Create(new RoutingSettings { Algorithm = algorithm }).Add([.. TestTables.Names(weights.Count)], weights);
            var snapshot = TestTables.Snapshot(table);
            var total = weights.Sum();
            for (var i = 0; i < weights.Count; i++)
            {
                var ideal = weights[i] / (double)total;
                Assert.True(Math.Abs((snapshot.Share(i) / ideal) - 1) <= tolerance, $"{algorithm}: share {snapshot.Share(i):F4}, ideal {ideal:F4} (weights {string.Join(",", weights)})");
            }
        }
    }

    [Fact]
    public void Raising_a_weight_on_the_ring_moves_keys_only_to_that_replica()
    {
        var table = TestTables.Table(RoutingSettings.Ring, 4);
        var before = TestTables.Owners(TestTables.Snapshot(table), TestTables.Keys(20_000));
        var after = TestTables.Owners(TestTables.Snapshot(table.ChangeWeights([new("replica-3", 3 * Scale)])), TestTables.Keys(20_000));
        var moved = before.Zip(after).Where(p => p.First != p.Second).ToList();
        Assert.NotEmpty(moved);
        Assert.All(moved, p => Assert.Equal("replica-3", p.Second));
    }

    [Fact]
    public void Maglev_with_equal_weights_is_the_unweighted_table()
    {
        var names = TestTables.Names(5).ToList();
        Assert.Equal(MaglevTable.Build(names, 65537), MaglevTable.Build(names, 65537, [300, 300, 300, 300, 300]));
    }
}
