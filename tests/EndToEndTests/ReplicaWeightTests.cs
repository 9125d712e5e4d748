using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary><c>PUT /replicas/{name}/weight</c> on the shared cluster of three real replicas: shares follow weights, keys move only where the change is.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ReplicaWeightTests(ClusterFixture fixture)
{
    private GatewayEndpoint Gateway => fixture.Cluster.Gateway;

    [Fact]
    public async Task Weight_three_on_one_of_three_replicas_gives_it_three_fifths_and_setting_it_back_returns_every_key()
    {
        var keys = Enumerable.Range(0, 3000).Select(i => $"weight-{i:D5}").ToList();
        var names = await Gateway.GetReplicaNamesAsync();
        Assert.Equal(3, names.Count);
        var heavy = names[1];
        var before = await Gateway.RouteAllAsync(keys);
        try
        {
            using (var response = await PutWeightAsync(Gateway, heavy, """{"weight": 3}"""))
            {
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.OK, body);
                using var json = JsonDocument.Parse(body);
                Assert.Equal("successful", json.RootElement.GetProperty("status").GetString());
                var replica = json.RootElement.GetProperty("message");
                Assert.Equal(heavy, replica.GetProperty("name").GetString());
                Assert.Equal(3, replica.GetProperty("weight").GetInt32());
                Assert.Equal(3.0, replica.GetProperty("effectiveWeight").GetDouble());
                Assert.Equal(0.6, replica.GetProperty("share").GetDouble(), 4);
            }

            var after = await Gateway.RouteAllAsync(keys);
            var moved = keys.Where(k => after[k] != before[k]).ToList();
            Assert.All(moved, k => Assert.Equal(heavy, after[k]));
            Assert.InRange(keys.Count(k => after[k] == heavy) / (double)keys.Count, 0.55, 0.65);

            // /ring, /replicas and /metrics say so too, on every gateway.
            foreach (var gateway in fixture.Cluster.Gateways)
            {
                await Eventually.TrueAsync(async () => Weight(await RingReplicaAsync(gateway, heavy)) == 3, TimeSpan.FromSeconds(10), "the gateway's ring has the weight");
                var ring = await RingReplicaAsync(gateway, heavy);
                Assert.Equal(0.6, ring.GetProperty("share").GetDouble(), 4);
                Assert.Equal(3.0, ring.GetProperty("effectiveWeight").GetDouble());
            }

            var metrics = await Gateway.Http.GetStringAsync("/metrics");
            Assert.Contains(metrics.Split('\n'), l => l.StartsWith("lb_replica_weight{", StringComparison.Ordinal) && l.Contains($"replica=\"{heavy}\"", StringComparison.Ordinal) && l.EndsWith(" 3", StringComparison.Ordinal));
        }
        finally
        {
            using var back = await PutWeightAsync(Gateway, heavy, """{"weight": 1}""");
            Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        }

        Assert.Equal(before, await Gateway.RouteAllAsync(keys));
    }

    [Fact]
    public async Task Bad_weight_requests_are_refused_and_change_nothing()
    {
        var names = await Gateway.GetReplicaNamesAsync();
        var version = await VersionAsync();
        foreach (var body in new[] { """{"weight": 0}""", """{"weight": 101}""", """{"weight": 2.5}""", """{"weight": "3"}""", "[3]", "{}", "weight=3", """{"weight": 3, "x": 1}""" })
        {
            using var refused = await PutWeightAsync(Gateway, names[0], body);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.StartsWith("""{"message": "<Error> """, await refused.Content.ReadAsStringAsync());
        }

        using (var unknown = await PutWeightAsync(Gateway, "no-such-replica", """{"weight": 3}"""))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Contains("does not exist", await unknown.Content.ReadAsStringAsync());
        }

        using (var form = new HttpRequestMessage(HttpMethod.Put, $"/replicas/{Uri.EscapeDataString(names[0])}/weight") { Content = new StringContent("""{"weight": 3}""", Encoding.UTF8, "text/plain") })
        using (var refused = await Gateway.Http.SendAsync(form))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, refused.StatusCode);
        }

        Assert.Equal(version, await VersionAsync());
        Assert.Equal(names, await Gateway.GetReplicaNamesAsync());
        foreach (var name in names)
        {
            Assert.Equal(1, Weight(await RingReplicaAsync(Gateway, name)));
        }
    }

    [Fact]
    public async Task The_classic_assignment_refuses_weights()
    {
        var names = await Gateway.GetReplicaNamesAsync();
        try
        {
            using (var classic = await PutAlgorithmAsync("""{"algorithm": "classic"}"""))
            {
                Assert.Equal(HttpStatusCode.OK, classic.StatusCode);
            }

            var version = await VersionAsync();
            using (var refused = await PutWeightAsync(Gateway, names[0], """{"weight": 2}"""))
            {
                Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
                Assert.Contains("classic assignment has no weights", await refused.Content.ReadAsStringAsync());
            }

            Assert.Equal(version, await VersionAsync());
        }
        finally
        {
            using var slots = await PutAlgorithmAsync("""{"algorithm": "slots"}""");
            Assert.Equal(HttpStatusCode.OK, slots.StatusCode);
        }
    }

    internal static async Task<HttpResponseMessage> PutWeightAsync(GatewayEndpoint gateway, string name, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/replicas/{Uri.EscapeDataString(name)}/weight")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        return await gateway.Http.SendAsync(request);
    }

    internal static async Task<JsonElement> RingReplicaAsync(GatewayEndpoint gateway, string name)
    {
        using var ring = await gateway.GetJsonAsync("/ring");
        return ring.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray().Single(r => r.GetProperty("name").GetString() == name).Clone();
    }

    private static int Weight(JsonElement replica) => replica.GetProperty("weight").GetInt32();

    private async Task<long> VersionAsync()
    {
        using var ring = await Gateway.GetJsonAsync("/ring");
        return ring.RootElement.GetProperty("message").GetProperty("version").GetInt64();
    }

    private async Task<HttpResponseMessage> PutAlgorithmAsync(string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/ring/algorithm") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        return await Gateway.Http.SendAsync(request);
    }
}
