using System.Net;
using Orleans.LoadBalancer.Gateway.Proxy;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Proxy;

/// <summary>What the forwarder asks each replica protocol for: its version exactly, never a silent fallback.</summary>
public sealed class ReplicaRequestConfigsTests
{
    [Theory]
    [InlineData(ReplicaProtocol.Http1, 1, 1)]
    [InlineData(ReplicaProtocol.H2c, 2, 0)]
    [InlineData(ReplicaProtocol.H2, 2, 0)]
    public void Each_protocol_asks_for_its_version_exactly(ReplicaProtocol protocol, int major, int minor)
    {
        var configs = new ReplicaRequestConfigs(TimeSpan.FromSeconds(7));

        var config = configs.For(protocol);

        Assert.Equal(new Version(major, minor), config.Version);
        Assert.Equal(HttpVersionPolicy.RequestVersionExact, config.VersionPolicy);
        Assert.Equal(TimeSpan.FromSeconds(7), config.ActivityTimeout);
    }

    [Fact]
    public void The_same_config_is_returned_every_time()
    {
        var configs = new ReplicaRequestConfigs(Timeout.InfiniteTimeSpan);

        Assert.Same(configs.For(ReplicaProtocol.H2c), configs.For(ReplicaProtocol.H2c));
        Assert.Equal(HttpVersion.Version11, configs.For(ReplicaProtocol.Http1).Version);
    }
}
