using Orleans.LoadBalancer.HealthProbe;

namespace Orleans.LoadBalancer.UnitTests.HealthProbe;

/// <summary>Where a container's health check goes: the program's own listener, the gateway's admin one when it has one.</summary>
public sealed class ProbeTargetTests
{
    [Fact]
    public void The_gateway_is_probed_on_its_admin_port_when_it_has_one()
    {
        var environment = new Dictionary<string, string> { ["Urls"] = "http://0.0.0.0:5000", ["Admin__Urls"] = "http://0.0.0.0:5001" };

        Assert.Equal(new Uri("http://127.0.0.1:5001/healthz"), ProbeTarget.Resolve("/healthz", environment, adminFirst: true));
        Assert.Equal(new Uri("http://127.0.0.1:5000/healthz"), ProbeTarget.Resolve("/healthz", environment));
    }

    [Fact]
    public void Without_admin_urls_the_gateway_is_probed_on_its_traffic_port()
    {
        var environment = new Dictionary<string, string> { ["Urls"] = "http://0.0.0.0:5000" };

        Assert.Equal(new Uri("http://127.0.0.1:5000/healthz"), ProbeTarget.Resolve("/healthz", environment, adminFirst: true));
    }
}
