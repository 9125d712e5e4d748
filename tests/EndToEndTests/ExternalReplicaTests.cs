using System.Net;
using System.Text.Json;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// Backends the cluster does not run, beside the ones it starts: one from <c>Replicas:Static</c>, one added by address;
/// both are Kestrel servers of the test's own on 127.0.0.1.
/// </summary>
public sealed class ExternalReplicaTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] Keys = Enumerable.Range(0, 400).Select(i => $"ext-key-{i}").ToArray();

    private ExternalBackend _static = null!;
    private ExternalBackend _added = null!;
    private LoadBalancerCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _static = await ExternalBackend.StartAsync("static-1");
        _added = await ExternalBackend.StartAsync("ext-1");
        _cluster = await LoadBalancerCluster.StartAsync(
            siloSettings: new Dictionary<string, string>
            {
                ["Replicas__Static__0__Name"] = "static-1",
                // Written with a trailing slash: registered in canonical form.
                ["Replicas__Static__0__Address"] = _static.Address + "/",
                ["Replicas__Static__0__Weight"] = "3",
            },
            expectedReplicas: 4);
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _static.DisposeAsync();
        await _added.DisposeAsync();
    }

    [Fact]
    public async Task External_replicas_serve_are_marked_down_and_up_never_replaced_and_rm_leaves_them_running()
    {
        var gateway = _cluster.Gateway;
        Assert.Equal(["Server 1", "Server 2", "Server 3", "static-1"], await gateway.GetReplicaNamesAsync());
        var registered = await StatusAsync("static-1");
        Assert.Equal(("external", "external", _static.Address, 3), (registered.GetProperty("runtime").GetString(), registered.GetProperty("runtimeId").GetString(),
            registered.GetProperty("address").GetString(), registered.GetProperty("weight").GetInt32()));

        using (var added = await gateway.AddAsync($$"""{"replicas": [{"name": "ext-1", "address": "{{_added.Address}}", "weight": 2}]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
            Assert.Equal("""{"message": {"N": 5, "replicas": ["Server 1", "Server 2", "Server 3", "static-1", "ext-1"]}, "status": "successful"}""",
                await added.Content.ReadAsStringAsync());
        }

        var status = await StatusAsync("ext-1");
        Assert.Equal(("external", "healthy", 2), (status.GetProperty("runtime").GetString(), status.GetProperty("state").GetString(), status.GetProperty("weight").GetInt32()));

        // Both serve their share, answered by the test's own servers.
        var before = await gateway.RouteAllAsync(Keys);
        var ext = Keys.Where(k => before[k] == "ext-1").ToList();
        Assert.NotEmpty(ext);
        Assert.Contains("static-1", before.Values);
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/home") { Headers = { { "X-Request-Id", ext[0] } } })
        using (var response = await gateway.Http.SendAsync(request))
        {
            Assert.Contains("Hello from external: ext-1", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Down: its keys go to the next replica; nothing is started in its place.
        await _added.StopAsync();
        await Eventually.TrueAsync(async () => !await UpAsync("ext-1"), TimeSpan.FromSeconds(30), "ext-1 is marked down");
        var down = await gateway.RouteAllAsync(Keys);
        Assert.DoesNotContain("ext-1", down.Values);
        Assert.All(Keys.Where(k => before[k] != "ext-1"), k => Assert.Equal(before[k], down[k]));
        await Task.Delay(2000);
        Assert.Equal(["Server 1", "Server 2", "Server 3", "static-1", "ext-1"], await gateway.GetReplicaNamesAsync());
        status = await StatusAsync("ext-1");
        Assert.Equal(("external", _added.Address, "dead"), (status.GetProperty("runtimeId").GetString(), status.GetProperty("address").GetString(), status.GetProperty("state").GetString()));
        Assert.DoesNotContain("Replaced replica ext-1", _cluster.Silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Started replica ext-1", _cluster.Silo.Output, StringComparison.Ordinal);

        // Up again: every key comes back.
        await _added.StartAsync();
        await Eventually.TrueAsync(() => UpAsync("ext-1"), TimeSpan.FromSeconds(30), "ext-1 is marked up again");
        Assert.Equal(before, await gateway.RouteAllAsync(Keys));
        Assert.Equal("healthy", (await StatusAsync("ext-1")).GetProperty("state").GetString());

        // /rm takes them out of the ring and nothing more: the servers keep running.
        using (var removed = await gateway.RemoveAsync("""{"n": 2, "hostnames": ["ext-1", "static-1"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        var served = _added.Requests;
        using (var http = new HttpClient())
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(_added.Address + "/")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(_static.Address + "/")).StatusCode);
        }

        Assert.True(_added.Requests > served);

        // A removed static replica stays removed (the configuration is applied when the manager activates), and
        // neither is taken for a stray.
        await Task.Delay(2500);
        Assert.Equal(["Server 1", "Server 2", "Server 3"], await gateway.GetReplicaNamesAsync());
        Assert.True(_added.IsRunning && _static.IsRunning);
        output.WriteLine(string.Join("\n", _cluster.Silo.Output.Split('\n').Where(l => l.Contains("external", StringComparison.OrdinalIgnoreCase) || l.Contains("ext-1", StringComparison.Ordinal))));
    }

    private async Task<JsonElement> StatusAsync(string name)
    {
        using var replicas = await _cluster.Gateway.GetJsonAsync("/replicas");
        return replicas.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray()
            .Single(r => r.GetProperty("name").GetString() == name).Clone();
    }

    private async Task<bool> UpAsync(string name)
    {
        using var ring = await _cluster.Gateway.GetJsonAsync("/ring");
        return ring.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray()
            .Single(r => r.GetProperty("name").GetString() == name).GetProperty("up").GetBoolean();
    }
}
