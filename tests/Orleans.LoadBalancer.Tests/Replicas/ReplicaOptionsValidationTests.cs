using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Tests.Replicas;

/// <summary>The rules on <c>Replicas</c> settings that the silo checks at start-up.</summary>
[Trait("Category", "Unit")]
public sealed class ReplicaOptionsValidationTests
{
    [Fact]
    public void More_initial_replicas_than_the_maximum_are_rejected_naming_the_key()
    {
        var error = Assert.Throws<InvalidConfigurationException>(
            () => new ReplicaOptions { InitialCount = 10, MaxCount = 5 }.Validated(ReplicaOptions.Section));

        Assert.Equal("Invalid configuration: Replicas:InitialCount: InitialCount (10) must not exceed MaxCount (5).", error.Message);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(5, 5)]
    [InlineData(3, 64)]
    public void As_many_initial_replicas_as_the_maximum_or_fewer_are_accepted(int initial, int max)
    {
        var options = new ReplicaOptions { InitialCount = initial, MaxCount = max };

        Assert.Same(options, options.Validated(ReplicaOptions.Section));
    }

    [Fact]
    public void A_replica_counts_as_stable_after_a_minute_by_default()
    {
        Assert.Equal(TimeSpan.FromMinutes(1), new ReplicaOptions().StableAfter);
    }

    [Theory]
    [InlineData("00:00:00.999")]
    [InlineData("01:00:01")]
    public void StableAfter_outside_one_second_to_one_hour_is_rejected(string value)
    {
        var options = new ReplicaOptions { StableAfter = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture) };

        var error = Assert.Throws<InvalidConfigurationException>(() => options.Validated(ReplicaOptions.Section));

        Assert.StartsWith("Invalid configuration: Replicas:StableAfter: ", error.Message);
    }
}
