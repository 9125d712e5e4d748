using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.FastLane;
using Orleans.LoadBalancer.Gateway.Keys;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Keys;

/// <summary>One key rule for both lanes: the same request routes by the same key through Kestrel's pipeline and the fast lane.</summary>
public sealed class KeySelectorLanesTests
{
    private static readonly KeySelector Keys = new(
        "X-Request-Id",
        [
            new KeySourceOptions { Type = KeySourceType.Header, Name = "X-Tenant" },
            new KeySourceOptions { Type = KeySourceType.Header, Name = "X-Request-Id" },
        ],
        [
            new KeyRouteOptions { PathPrefix = "/users", KeySources = [new KeySourceOptions { Type = KeySourceType.PathSegment, Index = 1 }] },
            new KeyRouteOptions { PathPrefix = "/by-ip/", KeySources = [new KeySourceOptions { Type = KeySourceType.ClientIp }] },
        ]);

    [Theory]
    [InlineData("/home", "X-Request-Id: abc", "abc")]
    [InlineData("/home", "X-Tenant: t1\r\nX-Request-Id: abc", "t1")]
    [InlineData("/home", "X-Tenant: t1\r\nx-tenant: t2", "t1,t2")]
    [InlineData("/home", "X-Tenant:   \r\nX-Request-Id:  spaced  ", "spaced")]
    [InlineData("/users/42/orders", "X-Request-Id: abc", "42")]
    [InlineData("/users", "X-Request-Id: abc", null)]
    [InlineData("/usersx/1", "X-Request-Id: abc", "abc")]
    [InlineData("/by-ip/x", "X-Request-Id: abc", "192.0.2.7")]
    public void Both_lanes_read_the_same_key(string path, string fields, string? expected)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = path;
        context.Connection.RemoteIpAddress = IPAddress.Parse("192.0.2.7");
        foreach (var line in fields.Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            context.Request.Headers.Append(line[..colon], line[(colon + 1)..].Trim());
        }

        var bytes = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: a\r\n{fields}\r\n\r\n");
        var lane = new FastLaneRequest(bytes, bytes.Length, new PathString(path), "192.0.2.7");

        var fromKestrel = Keys.Select(context);
        var fromLane = Keys.Select(lane);

        Assert.True(Keys.ReadsHeadOnly);
        if (expected is null)
        {
            Assert.True(fromKestrel.Generated);
            Assert.True(fromLane.Generated);
        }
        else
        {
            Assert.Equal(new RoutingKey(expected, false), fromKestrel);
            Assert.Equal(fromKestrel, fromLane);
        }
    }

    [Fact]
    public void A_cookie_or_query_source_leaves_the_key_to_kestrels_lane()
    {
        Assert.False(new KeySelector("X-Request-Id", [new KeySourceOptions { Type = KeySourceType.Cookie, Name = "k" }], []).ReadsHeadOnly);
        Assert.False(new KeySelector(
            "X-Request-Id", [], [new KeyRouteOptions { PathPrefix = "/q", KeySources = [new KeySourceOptions { Type = KeySourceType.Query, Name = "k" }] }]).ReadsHeadOnly);
    }
}
