using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.Keys;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Keys;

/// <summary>Whose address a request is: the peer's, or the forwarded client's when the peer is a trusted proxy.</summary>
public sealed class TrustedProxiesTests
{
    private static readonly TrustedProxies Lan = new(["10.0.0.0/8", "192.0.2.1", "fd00::/8"]);

    [Theory]
    [InlineData("10.0.0.7", true)]
    [InlineData(" 10.0.0.0/8 ", true)]
    [InlineData("::1", true)]
    [InlineData("fd00::/8", true)]
    [InlineData("10.0.0.0/x", false)]
    [InlineData("10.0.0.0/33", false)]
    [InlineData("proxy.internal", false)]
    [InlineData("", false)]
    public void Entries_are_addresses_or_networks(string entry, bool valid)
    {
        Assert.Equal(valid, TrustedProxyEntry.TryParse(entry, out _));
    }

    [Fact]
    public void An_untrusted_peers_forwarded_for_is_ignored()
    {
        Assert.Equal(IPAddress.Parse("203.0.113.9"), Lan.ClientOf(Request("203.0.113.9", "198.51.100.1")));
        Assert.Equal(IPAddress.Parse("203.0.113.9"), TrustedProxies.None.ClientOf(Request("203.0.113.9", "198.51.100.1")));
    }

    [Fact]
    public void Behind_a_trusted_proxy_the_client_is_the_nearest_untrusted_address()
    {
        // The leftmost entry is whatever the client claimed; only the hops trusted proxies added count.
        var context = Request("10.0.0.9", "6.6.6.6, 198.51.100.1, 10.1.2.3");
        Assert.Equal(IPAddress.Parse("198.51.100.1"), Lan.ClientOf(context));
    }

    [Fact]
    public void Entries_may_come_on_several_lines_and_with_ports()
    {
        var context = Request("192.0.2.1", new StringValues(["[2001:db8::7]:4711", "10.0.0.5:80"]));
        Assert.Equal(IPAddress.Parse("2001:db8::7"), Lan.ClientOf(context));
    }

    [Fact]
    public void A_malformed_entry_ends_the_walk_at_the_last_trusted_hop()
    {
        Assert.Equal(IPAddress.Parse("10.0.0.5"), Lan.ClientOf(Request("10.0.0.9", "198.51.100.1, unknown, 10.0.0.5")));
    }

    [Fact]
    public void A_trusted_peer_without_forwarded_for_is_the_client()
    {
        Assert.Equal(IPAddress.Parse("10.0.0.9"), Lan.ClientOf(Request("10.0.0.9", StringValues.Empty)));
    }

    [Fact]
    public void An_ipv4_peer_on_a_dual_stack_socket_matches_ipv4_networks()
    {
        var context = Request("::ffff:10.0.0.9", "198.51.100.1");
        Assert.True(Lan.Trusts(context.Connection.RemoteIpAddress));
        Assert.Equal(IPAddress.Parse("198.51.100.1"), Lan.ClientOf(context));
    }

    [Fact]
    public void The_client_ip_key_source_reads_the_forwarded_client_only_from_a_trusted_proxy()
    {
        KeySourceOptions[] sources = [new() { Type = KeySourceType.ClientIp }];
        var trusting = new KeySelector("X-Request-Id", sources, [], Lan);
        var plain = new KeySelector("X-Request-Id", sources, []);

        Assert.Equal("198.51.100.1", trusting.Select(Request("10.0.0.9", "198.51.100.1")).Value);
        Assert.Equal("10.0.0.9", plain.Select(Request("10.0.0.9", "198.51.100.1")).Value);
        Assert.Equal("203.0.113.9", trusting.Select(Request("203.0.113.9", "198.51.100.1")).Value);
    }

    private static DefaultHttpContext Request(string peer, StringValues forwardedFor)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(peer);
        if (forwardedFor.Count > 0)
        {
            context.Request.Headers[TrustedProxies.ForwardedForHeader] = forwardedFor;
        }

        return context;
    }
}
