using System.Net;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>How keys move, and how the ring holds up under concurrent changes, through the live API.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RingChangeTests(ClusterFixture fixture)
{
    private GatewayEndpoint Gateway => fixture.Cluster.Gateway;

    [Fact]
    public async Task Adding_a_replica_moves_keys_only_to_it_and_removing_it_returns_every_key()
    {
        var keys = Enumerable.Range(0, 2000).Select(i => $"session-{i:D5}").ToList();
        var before = await Gateway.RouteAllAsync(keys);

        using (var added = await Gateway.AddAsync("""{"n": 1, "hostnames": ["S4"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }

        var during = await Gateway.RouteAllAsync(keys);
        var moved = keys.Where(k => during[k] != before[k]).ToList();
        Assert.All(moved, k => Assert.Equal("S4", during[k]));
        // Ideal: a quarter of the keys; 2,000 samples put that within a few percent.
        Assert.InRange(moved.Count / (double)keys.Count, 0.20, 0.30);

        using (var removed = await Gateway.RemoveAsync("""{"n": 1, "hostnames": ["S4"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        Assert.Equal(before, await Gateway.RouteAllAsync(keys));
    }

    [Fact]
    public async Task The_algorithm_changes_through_the_api_and_bad_settings_change_nothing()
    {
        var keys = Enumerable.Range(0, 1000).Select(i => $"algo-{i:D4}").ToList();

        // Tests before this one may have left the slots table with a history of adds and removes in any order, which a
        // rebuild does not reproduce: start from a rebuilt table, so that the one rebuilt at the end must equal it.
        foreach (var algorithm in new[] { "maglev", "slots" })
        {
            using var rebuilt = await PutAlgorithmAsync($$"""{"algorithm": "{{algorithm}}"}""");
            Assert.Equal(HttpStatusCode.OK, rebuilt.StatusCode);
        }

        var before = await Gateway.RouteAllAsync(keys);
        var version = await VersionAsync();
        try
        {
            foreach (var bad in new[] { """{"algorithm": "nope"}""", """{"slotCount": "many"}""", """{"colour": 1}""", """{"algorithm": "maglev", "maglevTableSize": 65536}""", "[1]" })
            {
                using var rejected = await PutAlgorithmAsync(bad);
                Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
                Assert.StartsWith("""{"message": "<Error> """, await rejected.Content.ReadAsStringAsync());
                Assert.Equal(version, await VersionAsync());
            }

            using (var changed = await PutAlgorithmAsync("""{"algorithm": "maglev"}"""))
            {
                Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
            }

            using (var ring = await Gateway.GetJsonAsync("/ring"))
            {
                Assert.Equal("maglev", ring.RootElement.GetProperty("message").GetProperty("algorithm").GetString());
            }

            Assert.Equal(version + 1, await VersionAsync());
        }
        finally
        {
            using var restored = await PutAlgorithmAsync("""{"algorithm": "slots"}""");
            Assert.Equal(HttpStatusCode.OK, restored.StatusCode);
        }

        // The slots table is rebuilt from the same members in the same order: every key is back where it was.
        Assert.Equal(before, await Gateway.RouteAllAsync(keys));
    }

    [Fact]
    public async Task Concurrent_adds_and_removes_never_corrupt_the_ring()
    {
        try
        {
            await ConcurrentChangesAsync();
        }
        finally
        {
            await RestoreInitialAsync();
        }
    }

    private async Task ConcurrentChangesAsync()
    {
        var version = await VersionAsync();
        var adds = await Task.WhenAll(new[] { "C1", "C2", "C3", "C4" }.Select(n => Gateway.AddAsync($$"""{"n": 1, "hostnames": ["{{n}}"]}""")));
        Assert.All(adds, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        var mixed = await Task.WhenAll(
            Gateway.RemoveAsync("""{"n": 1, "hostnames": ["C1"]}"""),
            fixture.Cluster.Gateways[1].RemoveAsync("""{"n": 1, "hostnames": ["C2"]}"""),
            Gateway.AddAsync("""{"n": 1, "hostnames": ["C5"]}"""),
            fixture.Cluster.Gateways[1].AddAsync("""{"n": 1, "hostnames": ["C6"]}"""),
            // The same name twice at once: exactly one of them wins.
            Gateway.AddAsync("""{"n": 1, "hostnames": ["C7"]}"""),
            fixture.Cluster.Gateways[1].AddAsync("""{"n": 1, "hostnames": ["C7"]}"""));
        Assert.All(mixed.Take(4), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, mixed.Skip(4).Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(1, mixed.Skip(4).Count(r => r.StatusCode == HttpStatusCode.BadRequest));

        // One version step per accepted change, none for the rejected one; every gateway follows.
        var expected = version + 4 + 4 + 1;
        foreach (var gateway in fixture.Cluster.Gateways)
        {
            await Eventually.TrueAsync(async () => await VersionAsync(gateway) == expected, TimeSpan.FromSeconds(10), "every gateway has the last version");
        }

        var replicas = await Gateway.GetReplicaNamesAsync();
        Assert.Equal(["Server 1", "Server 2", "Server 3"], replicas.Take(3));
        Assert.Equal(new[] { "C3", "C4", "C5", "C6", "C7" }.Order(), replicas.Skip(3).Order());

        using var ring = await Gateway.GetJsonAsync("/ring");
        var shares = ring.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray().Select(r => r.GetProperty("share").GetDouble()).ToList();
        Assert.Equal(8, shares.Count);
        Assert.Equal(1.0, shares.Sum(), 6);
        var served = await Gateway.RouteAllAsync(Enumerable.Range(0, 400).Select(i => $"c-{i}"));
        Assert.Equal(8, served.Values.Distinct().Count());

        foreach (var response in adds.Concat(mixed))
        {
            response.Dispose();
        }
    }

    /// <summary>Takes out every replica a test added, so the shared cluster ends as it began.</summary>
    private async Task RestoreInitialAsync()
    {
        var extra = (await Gateway.GetReplicaNamesAsync()).Where(n => !n.StartsWith("Server ", StringComparison.Ordinal)).ToList();
        if (extra.Count > 0)
        {
            using var removed = await Gateway.RemoveAsync(System.Text.Json.JsonSerializer.Serialize(new { n = extra.Count, hostnames = extra }));
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        Assert.Equal(["Server 1", "Server 2", "Server 3"], await Gateway.GetReplicaNamesAsync());
    }

    private Task<long> VersionAsync() => VersionAsync(Gateway);

    private static async Task<long> VersionAsync(GatewayEndpoint gateway)
    {
        using var ring = await gateway.GetJsonAsync("/ring");
        return ring.RootElement.GetProperty("message").GetProperty("version").GetInt64();
    }

    private Task<HttpResponseMessage> PutAlgorithmAsync(string json) =>
        Gateway.Http.PutAsync("/ring/algorithm", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
}
