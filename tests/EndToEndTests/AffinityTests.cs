using System.Net;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>Keys from cookies, query parameters and path segments, and bounded loads for a hot key.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AffinityTests(ClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Keys_come_from_the_configured_chain_and_a_new_client_gets_a_sticky_cookie()
    {
        var reference = fixture.Cluster.Gateway;
        var gateway = await fixture.Cluster.StartGatewayAsync(new Dictionary<string, string>
        {
            ["Gateway__KeySources__0__Type"] = "Cookie",
            ["Gateway__KeySources__0__Name"] = "lb-session",
            ["Gateway__KeySources__0__Issue"] = "true",
            ["Gateway__KeySources__1__Type"] = "Query",
            ["Gateway__KeySources__1__Name"] = "user",
            ["Gateway__KeySources__2__Type"] = "Header",
            ["Gateway__KeySources__2__Name"] = "X-Request-Id",
            ["Gateway__Routes__0__PathPrefix"] = "/tenants",
            ["Gateway__Routes__0__KeySources__0__Type"] = "PathSegment",
            ["Gateway__Routes__0__KeySources__0__Index"] = "1",
        });

        for (var i = 0; i < 40; i++)
        {
            var key = $"user-{i}";
            var expected = await reference.RouteAsync(key);
            Assert.Equal(expected, await ReplicaOfAsync(gateway, "/home", cookie: $"lb-session={key}"));
            Assert.Equal(expected, await ReplicaOfAsync(gateway, $"/home?user={key}"));
            Assert.Equal(expected, await ReplicaOfAsync(gateway, "/home", header: key));
            // The cookie comes first in the chain.
            Assert.Equal(expected, await ReplicaOfAsync(gateway, "/home?user=someone-else", cookie: $"lb-session={key}"));
            Assert.Equal(expected, await ReplicaOfAsync(gateway, $"/tenants/{key}/orders"));
        }

        // No key at all: the gateway makes one up, returns it, and issues it as the cookie.
        using var first = await gateway.Http.GetAsync("/home");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var issued = first.Headers.GetValues("Set-Cookie").Single();
        var id = first.Headers.GetValues("X-Request-Id").Single();
        Assert.StartsWith($"lb-session={id};", issued);
        Assert.Contains("max-age=3600", issued, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", issued, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(first.Headers.GetValues("X-Replica").Single(), await ReplicaOfAsync(gateway, "/home", cookie: $"lb-session={id}"));
    }

    [Fact]
    public async Task Bounded_loads_spread_a_hot_key_and_leave_cold_keys_alone()
    {
        var plain = fixture.Cluster.Gateway;
        var bounded = await fixture.Cluster.StartGatewayAsync(new Dictionary<string, string> { ["Routing__BalanceFactor"] = "1.25" });

        var hot = await SpreadAsync(plain, "hot-key");
        var spread = await SpreadAsync(bounded, "hot-key");
        output.WriteLine($"one hot key, 24 clients: without bounded loads {Format(hot)}; with factor 1.25 {Format(spread)}");
        Assert.Single(hot);
        Assert.Equal(3, spread.Count);
        Assert.True(spread.Values.Max() < 0.6 * spread.Values.Sum(), "the hot key's owner carries less than 60%");

        // One request at a time never exceeds the bound: every key stays on its own replica.
        var keys = Enumerable.Range(0, 200).Select(i => $"cold-{i}").ToList();
        Assert.Equal(await plain.RouteAllAsync(keys, parallelism: 1), await bounded.RouteAllAsync(keys, parallelism: 1));
    }

    private static async Task<Dictionary<string, int>> SpreadAsync(GatewayEndpoint gateway, string key)
    {
        var counts = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 480), new ParallelOptions { MaxDegreeOfParallelism = 24 }, async (_, _) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/work?ms=20");
            request.Headers.Add("X-Request-Id", key);
            using var response = await gateway.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            counts.AddOrUpdate(response.Headers.GetValues("X-Replica").Single(), 1, (_, n) => n + 1);
        });
        return new Dictionary<string, int>(counts);
    }

    private static string Format(Dictionary<string, int> counts) => string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key}={c.Value}"));

    private static async Task<string> ReplicaOfAsync(GatewayEndpoint gateway, string path, string? cookie = null, string? header = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        if (header is not null)
        {
            request.Headers.Add("X-Request-Id", header);
        }

        using var response = await gateway.Http.SendAsync(request);
        return response.Headers.GetValues("X-Replica").Single();
    }
}
