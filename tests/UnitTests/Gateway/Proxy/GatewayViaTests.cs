using Microsoft.Extensions.Primitives;
using Orleans.LoadBalancer.Gateway.Proxy;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Proxy;

/// <summary>The gateway's <c>Via</c> entry and the check that a request came back to the cluster.</summary>
public sealed class GatewayViaTests
{
    private static readonly GatewayVia Via = new("orleans-lb", "gw-1");

    [Fact]
    public void The_entry_names_the_cluster_and_the_gateway_with_the_protocol_received()
    {
        Assert.Equal("orleans-lb~gw-1", Via.Pseudonym);
        Assert.Equal("1.1 orleans-lb~gw-1", Via.EntryFor("HTTP/1.1"));
        Assert.Equal("1.0 orleans-lb~gw-1", Via.EntryFor("HTTP/1.0"));
        Assert.Equal("2 orleans-lb~gw-1", Via.EntryFor("HTTP/2"));
    }

    [Fact]
    public void Without_a_name_each_gateway_gets_a_random_one_and_odd_characters_are_replaced()
    {
        var first = new GatewayVia("prod cluster/eu", "");
        var second = new GatewayVia("prod cluster/eu", "");
        Assert.Matches("^prod_cluster_eu~[0-9a-f]{8}$", first.Pseudonym);
        Assert.NotEqual(first.Pseudonym, second.Pseudonym);
        Assert.True(second.CameThroughCluster(first.EntryFor("HTTP/1.1")));
    }

    [Theory]
    [InlineData("1.1 orleans-lb~gw-1")]
    [InlineData("1.1 orleans-lb~other-gateway")]
    [InlineData("1.0 fred, 1.1 p.example.net, 1.1 orleans-lb~gw-2 (Orleans)")]
    [InlineData("HTTP/1.1 edge (nginx), 2\torleans-lb~gw-1:8080")]
    public void A_request_that_passed_a_gateway_of_the_cluster_came_back(string via)
    {
        Assert.True(Via.CameThroughCluster(via));
    }

    [Fact]
    public void Entries_in_separate_header_lines_are_read_too()
    {
        Assert.True(Via.CameThroughCluster(new StringValues(["1.1 edge", "1.1 orleans-lb~gw-9"])));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.1 edge")]
    [InlineData("1.1 orleans-lb2~gw-1")]
    [InlineData("1.1 other~gw-1")]
    [InlineData("orleans-lb~gw-1")]
    [InlineData("1.1 edge (via orleans-lb~gw-1)")]
    public void Other_proxies_and_other_clusters_are_not_a_loop(string via)
    {
        Assert.False(Via.CameThroughCluster(via));
    }
}
