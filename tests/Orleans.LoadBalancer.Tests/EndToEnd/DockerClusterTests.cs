using System.Diagnostics;
using System.Net;
using Orleans.LoadBalancer.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.Tests.EndToEnd;

/// <summary>
/// The whole system on the Docker runtime with the ring in Redis: replicas are containers, a restarted silo adopts
/// them instead of spawning duplicates, strays are removed and missing ones respawned.
/// </summary>
public sealed class DockerClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _clusterId = "lbtest-" + Guid.NewGuid().ToString("N")[..8];
    private LoadBalancerCluster _cluster = null!;

    private string Network => _clusterId + "-net";

    private Dictionary<string, string> SiloSettings => new()
    {
        ["Replicas__Runtime"] = "Docker",
        ["Replicas__Docker__ClusterId"] = _clusterId,
        ["Replicas__Docker__Network"] = Network,
        ["Cluster__Provider"] = "Redis",
        ["Cluster__RedisConnectionString"] = "127.0.0.1:6379",
    };

    public async Task InitializeAsync()
    {
        await DockerEngine.RequireAsync();
        try
        {
            _cluster = await LoadBalancerCluster.StartAsync(siloSettings: SiloSettings, gatewaySettings: new Dictionary<string, string>
            {
                ["Cluster__Provider"] = "Redis",
                ["Cluster__RedisConnectionString"] = "127.0.0.1:6379",
            });
        }
        catch
        {
            // xunit does not call DisposeAsync when InitializeAsync fails: leave no container behind.
            await DockerEngine.CleanUpAsync(_clusterId, Network);
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await DockerEngine.CleanUpAsync(_clusterId, Network);
    }

    [Fact]
    public async Task Replicas_are_containers_adopted_after_a_silo_restart_and_reconciled()
    {
        var gateway = _cluster.Gateway;
        var containers = await DockerEngine.ContainersAsync(_clusterId);
        Assert.Equal(3, containers.Count);
        var keys = Enumerable.Range(0, 300).Select(i => $"k{i}").ToList();
        var before = await gateway.RouteAllAsync(keys);
        Assert.Equal(3, before.Values.Distinct().Count());

        // A new replica, timed from the request to its first routed request.
        var clock = Stopwatch.StartNew();
        using (var added = await gateway.AddAsync("""{"n": 1, "hostnames": ["D4"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }

        var served = await gateway.RouteAllAsync(keys);
        output.WriteLine($"POST /add to the new container serving: {clock.ElapsedMilliseconds} ms");
        Assert.Contains("D4", served.Values);
        Assert.Equal(4, (await DockerEngine.ContainersAsync(_clusterId)).Count);

        Assert.Equal((await gateway.GetReplicaNamesAsync()).Order().ToList(), await RunningReplicasAsync());

        // Restart the silo: the ring comes back from Redis and the running containers are adopted, none respawned.
        var ids = (await DockerEngine.ContainersAsync(_clusterId)).Select(c => c.ID).Order().ToList();
        await _cluster.RestartSiloAsync();
        await _cluster.WaitForReplicasAsync(4, TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(ids, (await DockerEngine.ContainersAsync(_clusterId)).Select(c => c.ID).Order().ToList());
        Assert.Equal(served, await gateway.RouteAllAsync(keys));

        // A stray container with our labels is removed; a replica whose container vanished is respawned.
        using var docker = DockerEngine.Connect();
        var stray = await docker.Containers.CreateContainerAsync(new Docker.DotNet.Models.CreateContainerParameters
        {
            Image = DockerEngine.Image,
            Name = $"orleans-lb-{_clusterId}-stray",
            Labels = new Dictionary<string, string> { ["orleans-lb.cluster"] = _clusterId, ["orleans-lb.replica"] = "stray" },
        });
        await docker.Containers.StartContainerAsync(stray.ID, new Docker.DotNet.Models.ContainerStartParameters());
        var victim = (await DockerEngine.ContainersAsync(_clusterId)).First(c => c.Labels["orleans-lb.replica"] == "D4");
        await docker.Containers.RemoveContainerAsync(victim.ID, new Docker.DotNet.Models.ContainerRemoveParameters { Force = true });

        await Eventually.TrueAsync(async () =>
        {
            var now = await DockerEngine.ContainersAsync(_clusterId);
            output.WriteLine(string.Join(", ", now.Select(c => $"{c.Labels["orleans-lb.replica"]}:{c.State}")));
            return now.Count == 4 && now.All(c => c.Labels["orleans-lb.replica"] != "stray") && now.Any(c => c.Labels["orleans-lb.replica"] == "D4" && c.State == "running");
        }, TimeSpan.FromSeconds(40), "the stray is removed and D4 respawned");
        try
        {
            await Eventually.TrueAsync(async () => (await gateway.RouteAllAsync(keys)).OrderBy(k => k.Key).SequenceEqual(served.OrderBy(k => k.Key)), TimeSpan.FromSeconds(20));
        }
        catch
        {
            output.WriteLine(await gateway.Http.GetStringAsync("/replicas"));
            output.WriteLine(await gateway.Http.GetStringAsync("/ring"));
            throw;
        }

        // /rm stops and removes exactly the named container.
        using (var removed = await gateway.RemoveAsync("""{"n": 1, "hostnames": ["D4"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        Assert.Equal(["Server 1", "Server 2", "Server 3"], await RunningReplicasAsync());
        Assert.Equal(["Server 1", "Server 2", "Server 3"], await gateway.GetReplicaNamesAsync());
    }

    [Fact]
    public async Task Docker_killing_a_replica_container_under_load_fails_no_request()
    {
        var gateway = _cluster.Gateway;
        var keys = Enumerable.Range(0, 300).Select(i => $"k{i}").ToList();
        var before = await gateway.RouteAllAsync(keys);
        var victim = (await DockerEngine.ContainersAsync(_clusterId)).First(c => c.Labels["orleans-lb.replica"] == "Server 2");

        var load = LoadRun.Start(gateway, requests: 20_000, clients: 32, cap: TimeSpan.FromSeconds(90), out var running);
        await Task.Delay(400);
        using var docker = DockerEngine.Connect();
        var clock = Stopwatch.StartNew();
        await docker.Containers.KillContainerAsync(victim.ID, new Docker.DotNet.Models.ContainerKillParameters());
        await Eventually.TrueAsync(async () =>
            (await DockerEngine.ContainersAsync(_clusterId)).Any(c => c.Labels["orleans-lb.replica"] == "Server 2" && c.State == "running" && c.ID != victim.ID)
            && (await gateway.RouteAllAsync(keys)).OrderBy(k => k.Key).SequenceEqual(before.OrderBy(k => k.Key)),
            TimeSpan.FromSeconds(10), "the killed container's replacement serves its keys again within 10 s");
        var serving = clock.Elapsed;
        await running;

        output.WriteLine($"docker kill: replacement serving after {serving.TotalMilliseconds:0} ms; {load.Completed} requests, {load.Failures.Count} failed; p99 {LoadRun.Percentile(load.LatenciesMs, 0.99):0.0} ms");
        Assert.True(load.Failures.Count == 0, string.Join("\n", load.Failures.Take(5)));
        Assert.Equal(3, (await DockerEngine.ContainersAsync(_clusterId)).Count);
    }

    private async Task<List<string>> RunningReplicasAsync() =>
        (await DockerEngine.ContainersAsync(_clusterId)).Where(c => c.State == "running").Select(c => c.Labels["orleans-lb.replica"]).Order().ToList();
}
