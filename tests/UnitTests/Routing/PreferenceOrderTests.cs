using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.UnitTests.Routing;

/// <summary>The key's preference order: what retries, down replicas and bounded loads all follow.</summary>
public sealed class PreferenceOrderTests
{
    public static TheoryData<string> Algorithms() => [.. TestTables.Algorithms];

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Starts_with_the_owner_and_lists_each_replica_once(string algorithm)
    {
        var snapshot = TestTables.Snapshot(TestTables.Table(algorithm, 6));
        var order = new int[6];
        foreach (var key in TestTables.Keys(500))
        {
            var hash = snapshot.Hash(key);
            Assert.Equal(6, snapshot.PreferenceOrder(hash, order));
            Assert.Equal(snapshot.Owner(hash), order[0]);
            Assert.Equal(6, order.Distinct().Count());
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Route_is_the_first_up_replica_in_the_preference_order(string algorithm)
    {
        var random = new Random(17);
        var keys = TestTables.Keys(3_000, seed: 8);
        RoutingSnapshot snapshot = RoutingSnapshot.Empty;
        for (var trial = 0; trial < keys.Length; trial++)
        {
            if (trial % 30 == 0)
            {
                var table = TestTables.Table(algorithm, random.Next(1, 12));
                snapshot = TestTables.Snapshot(table, down: table.Members.Where(_ => random.Next(3) == 0).ToHashSet());
            }

            var hash = snapshot.Hash(keys[trial]);
            var order = new int[snapshot.Count];
            Assert.Equal(snapshot.Count, snapshot.PreferenceOrder(hash, order));
            var firstUp = order.Where(i => snapshot.Replicas[i].IsUp).DefaultIfEmpty(-1).First();
            Assert.Equal(firstUp, snapshot.Route(hash));
        }
    }

    [Theory]
    [InlineData(RoutingSettings.Slots, 7)]
    [InlineData(RoutingSettings.Maglev, 300)]
    [InlineData(RoutingSettings.Classic, 40)]
    public void After_the_owner_comes_rendezvous_order(string algorithm, int replicas)
    {
        var snapshot = TestTables.Snapshot(TestTables.Table(algorithm, replicas));
        var seeds = snapshot.Replicas.Select(r => KeyHash.Hash(r.Name)).ToArray();
        var order = new int[replicas];
        foreach (var key in TestTables.Keys(200, seed: 3))
        {
            var hash = snapshot.Hash(key);
            var owner = snapshot.Owner(hash);
            var expected = Enumerable.Range(0, replicas).Where(i => i != owner)
                .OrderByDescending(i => KeyHash.Mix(hash, seeds[i])).ThenBy(i => i).Prepend(owner).ToArray();

            Assert.Equal(replicas, snapshot.PreferenceOrder(hash, order));
            Assert.Equal(expected, order);
        }
    }

    [Fact]
    public void A_short_destination_gets_the_head_of_the_order()
    {
        var snapshot = TestTables.Snapshot(TestTables.Table(RoutingSettings.Slots, 9));
        var full = new int[9];
        var head = new int[3];
        foreach (var key in TestTables.Keys(100))
        {
            var hash = snapshot.Hash(key);
            snapshot.PreferenceOrder(hash, full);
            Assert.Equal(3, snapshot.PreferenceOrder(hash, head));
            Assert.Equal(full[..3], head);
        }
    }

    [Theory]
    [InlineData(RoutingSettings.Slots)]
    [InlineData(RoutingSettings.Ring)]
    [InlineData(RoutingSettings.Maglev)]
    public void Allocates_nothing_even_for_the_largest_tables(string algorithm)
    {
        var snapshot = TestTables.Largest(algorithm);
        var order = new int[8];
        var hashes = TestTables.Keys(50).Select(k => snapshot.Hash(k)).ToArray();
        var expected = Exercise();

        var (allocated, again) = AllocationProbe.Steady(Exercise);

        Assert.Equal(0, allocated);
        Assert.Equal(expected, again);
        Assert.True(expected > 0);

        long Exercise()
        {
            long sum = 0;
            foreach (var hash in hashes)
            {
                sum += snapshot.PreferenceOrder(hash, order) + order[^1];
                sum += snapshot.Route(hash);
            }

            return sum;
        }
    }
}
