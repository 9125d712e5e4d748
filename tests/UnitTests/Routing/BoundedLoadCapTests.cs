using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.UnitTests.Routing;

/// <summary>The bounded-load cap, the rule's single formula; routing under it is <c>BoundedLoadRoutingTests</c>'.</summary>
public sealed class BoundedLoadCapTests
{
    private static readonly double[] Factors = [1.01, 1.1, 1.25, 1.5, 2, 3];

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
            var loads = TestTables.RandomLoads(random.Next(1, 12), random);
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
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RoutingSnapshot.BoundedLoadCap(1, 2, 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => RoutingSnapshot.BoundedLoadCap(1, 2, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => RoutingSnapshot.BoundedLoadCap(0, 2, 1.25));
        Assert.Throws<ArgumentOutOfRangeException>(() => RoutingSnapshot.BoundedLoadCap(1, 0, 1.25));
        Assert.Throws<ArgumentOutOfRangeException>(() => RoutingSnapshot.BoundedLoadCap(1, 2, 0.9));
    }
}
