using Microsoft.Extensions.Configuration;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.UnitTests.ServiceDefaults;

/// <summary>Which configured URLs stay on this machine, their ports, and which settings Kestrel listens on.</summary>
public sealed class ListenAddressesTests
{
    [Theory]
    [InlineData("http://localhost:5000")]
    [InlineData("http://LOCALHOST:5000/")]
    [InlineData("http://127.0.0.1:5000")]
    [InlineData("http://127.1.2.3:5000")]
    [InlineData("https://127.0.0.1")]
    [InlineData("http://[::1]:5000")]
    [InlineData("http://unix:/run/orleans-lb.sock")]
    public void Loopback_addresses(string url) => Assert.True(ListenAddresses.IsLoopback(url), url);

    [Theory]
    [InlineData("http://0.0.0.0:5000")]
    [InlineData("http://*:5000")]
    [InlineData("http://+:5000")]
    [InlineData("http://[::]:5000")]
    [InlineData("http://192.168.1.20:5000")]
    [InlineData("http://10.0.0.1")]
    [InlineData("http://[fe80::1]:5000")]
    [InlineData("http://gateway.internal:5000")]
    [InlineData("http://localhost.attacker.example:5000")]
    [InlineData("http://127.0.0.1.nip.io:5000")]
    [InlineData("localhost:5000")]
    [InlineData("")]
    [InlineData("http://:5000")]
    public void Everything_else_reaches_beyond_loopback(string url) => Assert.False(ListenAddresses.IsLoopback(url), url);

    [Theory]
    [InlineData("http://127.0.0.1:5001", 5001)]
    [InlineData("http://[::1]:5002/", 5002)]
    [InlineData("http://*:5003", 5003)]
    [InlineData("http://localhost", 80)]
    [InlineData("https://localhost", 443)]
    [InlineData("http://127.0.0.1:0", 0)]
    [InlineData("http://127.0.0.1:x", null)]
    [InlineData("http://127.0.0.1:70000", null)]
    [InlineData("http://unix:/tmp/a.sock", null)]
    [InlineData("garbage", null)]
    public void Ports(string url, int? port) => Assert.Equal(port, ListenAddresses.Port(url));

    [Fact]
    public void Kestrel_endpoints_come_first_then_urls_then_http_ports_then_kestrels_default()
    {
        Assert.Equal(["http://localhost:5000"], ListenAddresses.Of(Configuration([])));
        Assert.Equal(["http://*:8080", "https://*:8443"], ListenAddresses.Of(Configuration(new() { ["http_ports"] = "8080", ["https_ports"] = "8443" })));
        Assert.Equal(
            ["http://127.0.0.1:1", "http://[::1]:2"],
            ListenAddresses.Of(Configuration(new() { ["Urls"] = " http://127.0.0.1:1 ; http://[::1]:2 ", ["http_ports"] = "8080" })));
        Assert.Equal(
            ["http://0.0.0.0:3"],
            ListenAddresses.Of(Configuration(new() { ["urls"] = "http://127.0.0.1:1", ["Kestrel:Endpoints:Web:Url"] = "http://0.0.0.0:3" })));
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
