using Microsoft.Extensions.Configuration;
using Orleans.LoadBalancer.Gateway.Admin;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Admin;

/// <summary>How <c>Urls</c>, <c>Admin:*</c> and <c>AllowedHosts</c> decide where the admin API listens and who may call it.</summary>
public sealed class AdminAccessSettingsTests
{
    [Fact]
    public void The_default_is_one_loopback_port_with_loopback_host_names_and_no_key()
    {
        var access = AdminAccess.From(Configuration(new() { ["Urls"] = "http://127.0.0.1:5000" }));

        Assert.False(access.HasOwnListener);
        Assert.True(access.LoopbackHostsOnly);
        Assert.Null(access.Key);
    }

    [Fact]
    public void Allowed_hosts_replaces_the_loopback_host_default()
    {
        var access = AdminAccess.From(Configuration(new() { ["Urls"] = "http://127.0.0.1:5000", ["AllowedHosts"] = "lb.test" }));

        Assert.False(access.LoopbackHostsOnly);
    }

    [Fact]
    public void An_admin_listener_of_its_own_on_loopback_lets_the_traffic_port_listen_everywhere_without_a_key()
    {
        var access = AdminAccess.From(Configuration(new() { ["Urls"] = "http://0.0.0.0:80", ["Admin:Urls"] = "http://127.0.0.1:9000;http://[::1]:9000" }));

        Assert.Equal([9000], access.AdminPorts);
        Assert.True(access.LoopbackHostsOnly);
        Assert.Equal(["http://0.0.0.0:80"], access.TrafficUrls);
    }

    [Fact]
    public void With_a_key_the_admin_api_may_listen_anywhere_and_names_are_not_filtered()
    {
        var access = AdminAccess.From(Configuration(new() { ["Urls"] = "http://0.0.0.0:80", ["Admin:ApiKey"] = "k" }));

        Assert.False(access.LoopbackHostsOnly);
        Assert.True(access.Key!.Matches("Bearer k"));
    }

    [Theory]
    [InlineData("http://0.0.0.0:80", "", "Admin:ApiKey is empty, and the gateway's admin API listens beyond loopback (http://0.0.0.0:80)")]
    [InlineData("http://127.0.0.1:80", "http://*:9000", "Admin:ApiKey is empty, and the gateway's admin API listens beyond loopback (http://*:9000)")]
    [InlineData("http://127.0.0.1:80", "http://127.0.0.1:80", "Admin:Urls: port 80 is also a traffic port")]
    [InlineData("http://127.0.0.1:80", "http://127.0.0.1:0", "Admin:Urls: 'http://127.0.0.1:0' is not a URL with a fixed port")]
    [InlineData("http://127.0.0.1:80", "127.0.0.1:9000", "Admin:Urls: '127.0.0.1:9000' is not a URL with a fixed port")]
    public void Wrong_settings_stop_start_up(string urls, string adminUrls, string message)
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => AdminAccess.From(Configuration(new() { ["Urls"] = urls, ["Admin:Urls"] = adminUrls })));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Admin_urls_cannot_be_combined_with_kestrel_endpoints()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => AdminAccess.From(Configuration(new()
        {
            ["Kestrel:Endpoints:Web:Url"] = "http://127.0.0.1:80",
            ["Admin:Urls"] = "http://127.0.0.1:9000",
        })));

        Assert.Contains("Admin:Urls: cannot be combined with Kestrel:Endpoints", error.Message);
    }

    [Fact]
    public void A_value_that_is_not_a_boolean_names_the_section()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => AdminAccess.From(Configuration(new() { ["Admin:AllowAnonymous"] = "yes" })));

        Assert.StartsWith("Invalid configuration: Admin: ", error.Message);
        Assert.Contains("AllowAnonymous", error.Message);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
