using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// A replica leaving on purpose finishes the requests it holds: <c>/rm</c> drains it before it stops, and
/// <c>PUT /replicas/{name}/state</c> drains it without touching the table. Two gateways, so that the manager waits for both.
/// </summary>
public sealed class DrainTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int WorkMs = 5000;

    private LoadBalancerCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await LoadBalancerCluster.StartAsync(gateways: 2);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Requests_in_flight_on_a_removed_replica_all_complete_and_it_stops_after_they_have()
    {
        const string victim = "Server 2";
        var gateways = _cluster.Gateways;
        var keys = await KeysOfAsync(victim, 12);
        var pid = await ProcessIdAsync(victim);

        // Long requests on the victim through both gateways: non-idempotent POSTs with a body, and GETs.
        var clock = Stopwatch.StartNew();
        var requests = keys.Select((key, i) => SendAsync(gateways[i % 2], key, post: i % 3 != 0)).ToList();
        await Eventually.TrueAsync(async () => await InFlightAsync(gateways[0], victim) == 6 && await InFlightAsync(gateways[1], victim) == 6,
            TimeSpan.FromSeconds(20), "every long request is in flight on the victim");

        var inFlightAt = clock.Elapsed;
        using (var removed = await gateways[0].RemoveAsync($$"""{"n": 1, "hostnames": ["{{victim}}"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        var removedAt = clock.Elapsed;
        Assert.True(requests.All(r => !r.IsCompleted), "/rm answered while the requests it drains were still running");
        Assert.DoesNotContain(victim, await gateways[0].GetReplicaNamesAsync());

        // Its keys move at once: new requests for them go elsewhere while the old ones still run on it.
        var moved = await gateways[0].RouteAllAsync(keys);
        Assert.DoesNotContain(victim, moved.Values);
        var runningWhileInFlight = IsRunning(pid);

        var results = await Task.WhenAll(requests);
        output.WriteLine($"in flight at {inFlightAt.TotalMilliseconds:0} ms, removed at {removedAt.TotalMilliseconds:0} ms; requests done at {clock.Elapsed.TotalMilliseconds:0} ms: "
            + string.Join(", ", results.Select(r => $"{(int)r.Status} {r.Replica}")));
        Assert.All(results, r => Assert.Equal((HttpStatusCode.OK, victim), (r.Status, r.Replica)));
        Assert.True(runningWhileInFlight, "the removed replica still runs while requests are in flight on it");
        Assert.All(results, r => Assert.Contains($"Server: {victim}", r.Body, StringComparison.Ordinal));

        // Then it stops (every gateway reported it idle), well before the drain timeout.
        await Eventually.TrueAsync(() => Task.FromResult(!IsRunning(pid)), TimeSpan.FromSeconds(60), "the drained replica stops");
        // The silo's output is read as it comes: the line may reach the test a moment after the replica stopped.
        await Eventually.TrueAsync(() => Task.FromResult(_cluster.Silo.Output.Contains($"Replica {victim} is drained", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), "the silo says the replica was drained");
        Assert.Equal(["Server 1", "Server 3"], await gateways[1].GetReplicaNamesAsync());
    }

    [Fact]
    public async Task Draining_by_state_moves_its_keys_at_once_lets_requests_finish_and_up_gives_back_every_key()
    {
        const string victim = "Server 1";
        var gateway = _cluster.Gateway;
        var sample = Enumerable.Range(0, 300).Select(i => $"sample-{i}").ToList();
        var before = await gateway.RouteAllAsync(sample);
        var keys = sample.Where(k => before[k] == victim).Take(4).ToList();
        var pid = await ProcessIdAsync(victim);

        var requests = keys.Select(k => SendAsync(gateway, k, post: true)).ToList();
        await Eventually.TrueAsync(async () => await InFlightAsync(gateway, victim) == keys.Count, TimeSpan.FromSeconds(20), "the long requests are in flight");

        using (var drained = await PutStateAsync(gateway, victim, """{"state": "drain"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, drained.StatusCode);
        }

        // The gateway that took the change routes on it at once; the other within a moment. Only the victim's keys move.
        foreach (var g in _cluster.Gateways)
        {
            await Eventually.TrueAsync(async () => !(await g.RouteAllAsync(keys)).ContainsValue(victim), TimeSpan.FromSeconds(10));
        }

        var during = await gateway.RouteAllAsync(sample);
        Assert.DoesNotContain(victim, during.Values);
        Assert.All(sample.Where(k => before[k] != victim), k => Assert.Equal(before[k], during[k]));
        Assert.Equal(["Server 1", "Server 2", "Server 3"], await gateway.GetReplicaNamesAsync());

        var results = await Task.WhenAll(requests);
        Assert.All(results, r => Assert.Equal((HttpStatusCode.OK, victim), (r.Status, r.Replica)));

        // Seen from outside, and left alone by the health loop: not replaced, not stopped, not undrained.
        Assert.Equal("1", await DrainingMetricAsync(gateway, victim));
        await Task.Delay(1500);
        var status = await StatusAsync(victim);
        Assert.True(status.GetProperty("draining").GetBoolean());
        Assert.Equal(pid.ToString(System.Globalization.CultureInfo.InvariantCulture), status.GetProperty("runtimeId").GetString());
        Assert.True(IsRunning(pid));
        Assert.DoesNotContain(victim, (await gateway.RouteAllAsync(keys)).Values);

        using (var up = await PutStateAsync(gateway, victim, """{"state": "up"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, up.StatusCode);
        }

        Assert.Equal(before, await gateway.RouteAllAsync(sample));
        Assert.False((await StatusAsync(victim)).GetProperty("draining").GetBoolean());
        Assert.Equal("0", await DrainingMetricAsync(gateway, victim));
    }

    [Fact]
    public async Task Bad_state_changes_and_bad_additions_are_refused_and_change_nothing()
    {
        var gateway = _cluster.Gateway;
        var replicas = await gateway.GetReplicaNamesAsync();
        using var ringBefore = await gateway.GetJsonAsync("/ring");
        var version = ringBefore.RootElement.GetProperty("message").GetProperty("version").GetInt64();

        (string Name, string Body, HttpStatusCode Status, string Message)[] states =
        [
            ("Server 1", """{"state": "sleep"}""", HttpStatusCode.BadRequest, "'state' must be \\\"drain\\\" or \\\"up\\\""),
            ("Server 1", """{"state": "DRAIN"}""", HttpStatusCode.BadRequest, "'state' must be \\\"drain\\\" or \\\"up\\\""),
            ("Server 1", """{"state": 1}""", HttpStatusCode.BadRequest, "'state' must be \\\"drain\\\" or \\\"up\\\""),
            ("Server 1", """{"state": "drain", "state": "up"}""", HttpStatusCode.BadRequest, "'state' is given more than once"),
            ("Server 1", """{}""", HttpStatusCode.BadRequest, "'state' is required"),
            ("Server 1", """["drain"]""", HttpStatusCode.BadRequest, "Request body must be a JSON object"),
            ("Server 1", """{"state": "drain""", HttpStatusCode.BadRequest, "Request body is not valid JSON"),
            ("nobody", """{"state": "drain"}""", HttpStatusCode.NotFound, "Replica 'nobody' does not exist"),
        ];
        foreach (var (name, body, status, message) in states)
        {
            using var response = await PutStateAsync(gateway, name, body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{name} {body}: {(int)response.StatusCode} {text}");
            Assert.StartsWith("{\"message\": \"<Error> " + message, text, StringComparison.Ordinal);
            Assert.EndsWith("\"status\": \"failure\"}", text, StringComparison.Ordinal);
        }

        string[] additions =
        [
            """{"n": 1, "weight": 0}""",
            """{"n": 1, "weight": 101}""",
            """{"n": 1, "weight": "2"}""",
            """{"n": 1, "weight": 2.5}""",
            """{"replicas": [{"name": "ext", "address": "ftp://127.0.0.1:1"}]}""",
            """{"replicas": [{"name": "ext", "address": "http://user:pw@127.0.0.1:1"}]}""",
            """{"replicas": [{"name": "ext", "address": "http://127.0.0.1:1/path?q=1"}]}""",
            """{"replicas": [{"name": "ext", "address": "127.0.0.1:1"}]}""",
            """{"replicas": [{"name": "ext", "address": "http://127.0.0.1:1", "weight": 0}]}""",
            """{"replicas": [{"name": "ext", "address": "http://127.0.0.1:1", "weight": 2.5}]}""",
            """{"replicas": [{"name": "Server 1", "address": "http://127.0.0.1:1"}]}""",
            """{"replicas": [{"name": "ext"}]}""",
        ];
        foreach (var body in additions)
        {
            using var response = await gateway.AddAsync(body);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{body}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        Assert.Equal(replicas, await gateway.GetReplicaNamesAsync());
        using var ringAfter = await gateway.GetJsonAsync("/ring");
        Assert.Equal(version, ringAfter.RootElement.GetProperty("message").GetProperty("version").GetInt64());
    }

    private async Task<List<string>> KeysOfAsync(string replica, int count)
    {
        var keys = new List<string>();
        for (var i = 0; keys.Count < count; i++)
        {
            var key = $"drain-{i}";
            if (await _cluster.Gateway.RouteAsync(key) == replica)
            {
                keys.Add(key);
            }
        }

        return keys;
    }

    private static async Task<(HttpStatusCode Status, string? Replica, string Body)> SendAsync(GatewayEndpoint gateway, string key, bool post)
    {
        using var request = new HttpRequestMessage(post ? HttpMethod.Post : HttpMethod.Get, $"/work/{WorkMs}");
        request.Headers.Add("X-Request-Id", key);
        if (post)
        {
            request.Content = new StringContent("{\"order\": \"" + key + "\"}", Encoding.UTF8, "application/json");
        }

        try
        {
            using var response = await gateway.Http.SendAsync(request);
            var replica = response.Headers.TryGetValues("X-Replica", out var values) ? values.Single() : null;
            return (response.StatusCode, replica, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException ex)
        {
            return (0, null, ex.Message);
        }
    }

    private static async Task<int> InFlightAsync(GatewayEndpoint gateway, string replica)
    {
        using var ring = await gateway.GetJsonAsync("/ring");
        return ring.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray()
            .Where(r => r.GetProperty("name").GetString() == replica).Select(r => r.GetProperty("inflight").GetInt32()).SingleOrDefault();
    }

    /// <summary>The value of <c>lb_replica_draining</c> for <paramref name="replica"/> in the gateway's Prometheus text.</summary>
    private static async Task<string?> DrainingMetricAsync(GatewayEndpoint gateway, string replica)
    {
        var line = (await gateway.Http.GetStringAsync("/metrics")).Split('\n')
            .SingleOrDefault(l => l.StartsWith("lb_replica_draining{", StringComparison.Ordinal) && l.Contains($"replica=\"{replica}\"", StringComparison.Ordinal));
        return line?[(line.LastIndexOf('}') + 2)..].Split(' ')[0];
    }

    private static Task<HttpResponseMessage> PutStateAsync(GatewayEndpoint gateway, string name, string body) =>
        gateway.Http.PutAsync($"/replicas/{Uri.EscapeDataString(name)}/state", new StringContent(body, Encoding.UTF8, "application/json"));

    private async Task<JsonElement> StatusAsync(string name)
    {
        using var replicas = await _cluster.Gateway.GetJsonAsync("/replicas");
        return replicas.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray()
            .Single(r => r.GetProperty("name").GetString() == name).Clone();
    }

    private async Task<int> ProcessIdAsync(string name) =>
        int.Parse((await StatusAsync(name)).GetProperty("runtimeId").GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault() is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }
}
