using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.UnitTests.ServiceDefaults;

/// <summary><c>Cluster:ProbeTimeout</c> is checked at start-up: from 100 ms to a minute.</summary>
public sealed class ClusterSettingsTests
{
    [Theory]
    [InlineData("00:00:00")]
    [InlineData("00:00:00.050")]
    [InlineData("00:01:00.001")]
    public void A_probe_timeout_outside_100_ms_to_a_minute_is_refused(string timeout)
    {
        var settings = new ClusterSettings { ProbeTimeout = TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture) };

        var error = Assert.Throws<InvalidConfigurationException>(() => settings.Validated(ClusterSettings.Section));
        Assert.Contains("Cluster:ProbeTimeout: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_probe_timeout_is_valid()
    {
        Assert.Equal(TimeSpan.FromSeconds(2), new ClusterSettings().Validated(ClusterSettings.Section).ProbeTimeout);
    }
}
