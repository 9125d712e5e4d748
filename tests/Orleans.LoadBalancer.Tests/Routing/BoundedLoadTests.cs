using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Tests.Routing;

/// <summary>Bounded loads: the cap, its guarantee after admission, and routing under it.</summary>
public sealed class BoundedLoadTests
{
    private static readonly double[] Factors = [1.01, 1.1, 1.25, 1.5, 2, 3];

    public static TheoryData<string> Algorithms() => [.. TestTables.Algorithms];

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void After_admission_the_chosen_replica_holds_at_most_c_times_the_mean_or_the_even_share(string algorithm)
    {
        var random = new Random(algorithm.Length);
        var keys = TestTables.Keys(4_000, seed: 5);
        var snapshot = RandomSnapshot(algorithm, random);
        for (var trial = 0; trial < keys.Length; trial++)
        {
            if (trial % 250 == 0)
            {
                snapshot = RandomSnapshot(algorithm, random);
            }

            var loads = RandomLoads(snapshot.Count, random);
            var factor = Factors[random.Next(Factors.Length)];
            var hash = snapshot.Hash(keys[trial]);
            var chosen = snapshot.RouteBounded(hash, loads, factor);

            var up = Enumerable.Range(0, snapshot.Count).Where(i => snapshot.Replicas[i].IsUp).ToList();
            if (up.Count == 0)
            {
                Assert.Equal(-1, chosen);
                continue;
            }

            Assert.Contains(chosen, up);
            long total = up.Sum(i => loads[i]) + 1;
            var limit = Math.Max(Math.Ceiling(total / (double)up.Count), factor * total / up.Count);
            Assert.True(loads[chosen] + 1 <= limit + 1e-9, $"load {loads[chosen] + 1} after admission, limit {limit}");

            // The first replica in the key's order that is up and below the cap; the owner whenever it qualifies.
            var cap = RoutingSnapshot.BoundedLoadCap(total, up.Count, factor);
            var order = new int[snapshot.Count];
            snapshot.PreferenceOrder(hash, order);
            Assert.Equal(order.First(i => snapshot.Replicas[i].IsUp && loads[i] < cap), chosen);
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void With_nothing_in_flight_bounded_routing_is_plain_routing(string algorithm)
    {
        var random = new Random(11);
        var keys = TestTables.Keys(2_000, seed: 6);
        var snapshot = RandomSnapshot(algorithm, random);
        for (var trial = 0; trial < keys.Length; trial++)
        {
            if (trial % 20 == 0)
            {
                snapshot = RandomSnapshot(algorithm, random);
            }

            var hash = snapshot.Hash(keys[trial]);
            Assert.Equal(snapshot.Route(hash), snapshot.RouteBounded(hash, new int[snapshot.Count], Factors[random.Next(Factors.Length)]));
        }
    }

    [Fact]
    public void The_cap_is_the_largest_satisfiable_bound_within_c_times_the_mean()
    {
        foreach (var factor in Factors)
        {
            for (var replicas = 1; replicas <= 9; replicas++)
            {
                for (long total = 1; total <= 300; total++)
                {
                    var cap = RoutingSnapshot.BoundedLoadCap(total, replicas, factor);
                    var even = (total + replicas - 1) / replicas;

                    // Satisfiable: replicas all at the cap or above would hold more than the total − 1 in flight.
                    Assert.True(cap * replicas >= total, $"cap {cap} for {total} over {replicas} at {factor}");
                    if (even <= factor * total / replicas)
                    {
                        Assert.True(cap <= factor * total / replicas + 1e-9, $"cap {cap} above c·mean for {total} over {replicas} at {factor}");
                        Assert.True(cap + 1 > factor * total / replicas, $"cap {cap} needlessly low for {total} over {replicas} at {factor}");
                    }
                    else
                    {
                        Assert.Equal(even, cap);
                    }
                }
            }
        }
    }

    [Fact]
    public void Some_up_replica_is_always_below_the_cap()
    {
        var random = new Random(9);
        for (var trial = 0; trial < 20_000; trial++)
        {
            var loads = RandomLoads(random.Next(1, 12), random);
            var cap = RoutingSnapshot.BoundedLoadCap(loads.Sum() + 1L, loads.Length, Factors[random.Next(Factors.Length)]);
            Assert.True(loads.Min() < cap, $"loads {string.Join(",", loads)} cap {cap}");
        }
    }

    [Theory]
    [InlineData(4, 4, 1.25, 1)]
    [InlineData(5, 4, 1.25, 2)]
    [InlineData(8, 2, 1.25, 5)]
    [InlineData(100, 4, 1.25, 31)]
    [InlineData(1, 64, 3, 1)]
    [InlineData(1_000_000_000_000, 3, 1.5, 500_000_000_000)]
    public void The_cap_rounds_c_times_the_mean_down_but_never_below_the_even_share(long total, int replicas, double factor, long expected) =>
        Assert.Equal(expected, RoutingSnapshot.BoundedLoadCap(total, replicas, factor));

    [Fact]
    public void A_hot_key_fills_its_owner_to_the_cap_and_spills_in_preference_order()
    {
        var snapshot = TestTables.Snapshot(TestTables.Table(RoutingSettings.Slots, 4));
        var hot = snapshot.Hash("hot");
        var loads = new int[4];
        for (var request = 1; request <= 100; request++)
        {
            loads[snapshot.RouteBounded(hot, loads, 1.25)]++;
            Assert.True(loads.Max() <= Math.Max(Math.Ceiling(request / 4.0), 1.25 * request / 4), $"after {request}: {string.Join(",", loads)}");
        }

        Assert.Equal(31, loads[snapshot.Owner(hot)]);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        var snapshot = TestTables.Snapshot(TestTables.Table(RoutingSettings.Slots, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => snapshot.RouteBounded(1, [0, 0], 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => snapshot.RouteBounded(1, [0, 0], double.NaN));
        Assert.Contains("Expected 2 in-flight counts", Assert.Throws<ArgumentException>(() => snapshot.RouteBounded(1, [0], 1.25)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => RoutingSnapshot.BoundedLoadCap(0, 2, 1.25));
        Assert.Throws<ArgumentOutOfRangeException>(() => RoutingSnapshot.BoundedLoadCap(1, 0, 1.25));
        Assert.Throws<ArgumentOutOfRangeException>(() => RoutingSnapshot.BoundedLoadCap(1, 2, 0.9));
    }

    /// <summary>1 to 12 replicas, each down with probability one in four (sometimes all of them).</summary>
    private static RoutingSnapshot RandomSnapshot(string algorithm, Random random)
    {
        var table = TestTables.Table(algorithm, random.Next(1, 13));
        return TestTables.Snapshot(table, down: table.Members.Where(_ => random.Next(4) == 0).ToHashSet());
    }

    private static int[] RandomLoads(int count, Random random)
    {
        var most = random.Next(1, 40);
        return Enumerable.Range(0, count).Select(_ => random.Next(0, most)).ToArray();
    }
}
