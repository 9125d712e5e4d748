using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.UnitTests.Grains.Replicas;

/// <summary>The rules on <c>Replicas</c> settings that the silo checks at start-up.</summary>
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

    [Theory]
    [InlineData("00:00:00.999")]
    [InlineData("01:00:01")]
    public void DeadAfter_outside_one_second_to_one_hour_is_rejected(string value)
    {
        var options = new ReplicaOptions { DeadAfter = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture) };

        var error = Assert.Throws<InvalidConfigurationException>(() => options.Validated(ReplicaOptions.Section));

        Assert.StartsWith("Invalid configuration: Replicas:DeadAfter: ", error.Message);
    }

    [Fact]
    public void Drain_and_external_settings_have_their_defaults()
    {
        var options = new ReplicaOptions();

        Assert.Equal(TimeSpan.FromSeconds(30), options.DrainTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), options.StopGrace);
        Assert.Equal(TimeSpan.FromSeconds(30), options.DeadAfter);
        Assert.Equal("/", options.ExternalHealthPath);
        Assert.Empty(options.Static);
    }

    [Theory]
    [InlineData("ftp://10.0.0.7", 1, "Invalid configuration: Replicas:Static:1: 'address' 'ftp://10.0.0.7' must be an absolute http or https URI like http://10.0.0.7:8080, with a host and no user info, path, query or fragment.")]
    [InlineData("http://10.0.0.7/api", 1, "Invalid configuration: Replicas:Static:1: 'address' 'http://10.0.0.7/api' must be an absolute http or https URI like http://10.0.0.7:8080, with a host and no user info, path, query or fragment.")]
    [InlineData("http://10.0.0.7", 0, "Invalid configuration: Replicas:Static:1: 'weight' must be an integer from 1 to 100.")]
    [InlineData("http://10.0.0.7", 101, "Invalid configuration: Replicas:Static:1: 'weight' must be an integer from 1 to 100.")]
    public void A_bad_static_replica_is_rejected_naming_its_entry(string address, int weight, string expected)
    {
        var options = new ReplicaOptions
        {
            Static = [new StaticReplica { Name = "ok", Address = "http://10.0.0.6:8080" }, new StaticReplica { Name = "bad", Address = address, Weight = weight }],
        };

        var error = Assert.Throws<InvalidConfigurationException>(() => options.Validated(ReplicaOptions.Section));

        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void Static_replicas_need_distinct_valid_names_and_no_more_than_the_maximum()
    {
        var twice = new ReplicaOptions { Static = [new StaticReplica { Name = "a", Address = "http://h:1" }, new StaticReplica { Name = "a", Address = "http://h:2" }] };
        var unnamed = new ReplicaOptions { Static = [new StaticReplica { Address = "http://h:1" }] };
        var many = new ReplicaOptions { MaxCount = 1, InitialCount = 0, Static = [new StaticReplica { Name = "a", Address = "http://h:1" }, new StaticReplica { Name = "b", Address = "http://h:2" }] };

        Assert.Equal("Invalid configuration: Replicas:Static:1: name 'a' is also entry 0.", Assert.Throws<InvalidConfigurationException>(() => twice.Validated(ReplicaOptions.Section)).Message);
        Assert.StartsWith("Invalid configuration: Replicas:Static:0: 'name' '' is not a valid name", Assert.Throws<InvalidConfigurationException>(() => unnamed.Validated(ReplicaOptions.Section)).Message);
        Assert.Equal("Invalid configuration: Replicas:Static: 2 entries are more than MaxCount (1).", Assert.Throws<InvalidConfigurationException>(() => many.Validated(ReplicaOptions.Section)).Message);
    }

    [Fact]
    public void Good_static_replicas_are_registered_with_canonical_addresses()
    {
        var options = new ReplicaOptions { Static = [new StaticReplica { Name = "api-7", Address = "HTTP://10.0.0.7:8080/", Weight = 2 }] };

        Assert.Same(options, options.Validated(ReplicaOptions.Section));
        Assert.Equal(Orleans.LoadBalancer.Replicas.ExternalReplicas.Of("api-7", "http://10.0.0.7:8080", 2), options.Static[0].ToRecord());
    }
}
