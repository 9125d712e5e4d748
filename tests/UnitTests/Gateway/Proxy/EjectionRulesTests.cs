using Orleans.LoadBalancer.Gateway.Proxy;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Proxy;

/// <summary>How many replicas outlier detection may hold out, and for how long.</summary>
public sealed class EjectionRulesTests
{
    private static readonly TimeSpan Base = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Max = TimeSpan.FromMinutes(5);

    [Theory]
    [InlineData(3, 50, 1)]
    [InlineData(4, 50, 2)]
    [InlineData(10, 50, 5)]
    [InlineData(10, 10, 1)]
    [InlineData(2, 0, 1)]
    [InlineData(1, 50, 1)]
    [InlineData(10, 100, 10)]
    public void A_share_of_the_replicas_rounded_down_may_be_ejected_and_always_one(int replicas, int percent, int most)
    {
        Assert.Equal(most, EjectionRules.MaxEjected(replicas, percent));
    }

    [Theory]
    [InlineData(1, 30)]
    [InlineData(2, 60)]
    [InlineData(9, 270)]
    [InlineData(10, 300)]
    [InlineData(11, 300)]
    [InlineData(int.MaxValue, 300)]
    public void Each_ejection_lasts_the_base_time_times_its_number_up_to_the_maximum(int ejection, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), EjectionRules.EjectionTime(ejection, Base, Max));
    }

    [Theory]
    [InlineData(0, 0, 1)]
    [InlineData(1, 0, 2)]
    [InlineData(2, 10, 3)]
    [InlineData(3, 65, 2)]
    [InlineData(3, 3_600, 1)]
    public void A_replica_that_served_a_while_since_its_last_ejection_starts_lower(int ejections, int secondsSinceItEnded, int next)
    {
        const long endedAt = 5_000_000;

        Assert.Equal(next, EjectionRules.NextEjection(ejections, endedAt, endedAt + (secondsSinceItEnded * 1_000L), Base));
    }
}
