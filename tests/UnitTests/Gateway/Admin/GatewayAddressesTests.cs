using System.Net;
using Orleans.LoadBalancer.Gateway.Admin;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Admin;

/// <summary>Which external replica addresses lead back to the gateway's own listeners.</summary>
public sealed class GatewayAddressesTests
{
    private static readonly Lazy<GatewayAddresses.LocalMachine> Machine = new(() => new GatewayAddresses.LocalMachine(
        new HashSet<IPAddress> { IPAddress.Parse("10.0.0.5"), IPAddress.Loopback },
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "gw-host" }));

    [Theory]
    [InlineData("http://127.0.0.1:5000", "http://127.0.0.1:5000", true)]
    [InlineData("http://localhost:5000", "http://127.0.0.1:5000", true)]
    [InlineData("http://0.0.0.0:5000", "http://127.0.0.1:5000", true)]
    [InlineData("https://127.0.0.1:5000", "http://127.0.0.1:5000", true)]
    [InlineData("http://[::1]:5000", "http://localhost:5000", true)]
    [InlineData("http://127.0.0.1:5001", "http://127.0.0.1:5000", false)]
    [InlineData("http://10.0.0.5:5000", "http://127.0.0.1:5000", false)]
    [InlineData("http://10.0.0.5:8080", "http://*:8080", true)]
    [InlineData("http://10.0.0.5:8080", "http://[::]:8080", true)]
    [InlineData("http://127.0.0.1:8080", "http://0.0.0.0:8080", true)]
    [InlineData("http://gw-host:8080", "http://+:8080", true)]
    [InlineData("http://10.0.0.6:8080", "http://*:8080", false)]
    [InlineData("http://api.example.com:8080", "http://*:8080", false)]
    [InlineData("http://10.0.0.5:8080", "http://10.0.0.5:8080", true)]
    [InlineData("http://10.0.0.9:8080", "http://10.0.0.5:8080", false)]
    public void An_address_leads_here_when_it_reaches_a_listener(string address, string listener, bool leadsHere)
    {
        Assert.Equal(leadsHere, GatewayAddresses.LeadsHere(new Uri(address), [listener], Machine));
    }

    [Fact]
    public void A_unix_socket_listener_is_never_an_address()
    {
        Assert.False(GatewayAddresses.LeadsHere(new Uri("http://localhost:80"), ["http://unix:/tmp/gw.sock"], Machine));
    }
}
