using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// The whole system on the Docker runtime: replicas are containers, a restarted silo adopts them instead of spawning
/// duplicates, strays are removed and missing ones respawned, and an image that cannot run fails <c>/add</c> cleanly.
/// Each test starts its own cluster and removes every container, network and image tag it made, even when it fails.
/// </summary>
public sealed class DockerClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Redis = "127.0.0.1:6379";

    private readonly string _clusterId = DockerEngine.NewClusterId();
    private readonly List<string> _imageTags = [];
    private LoadBalancerCluster? _cluster;

    private string Network => _clusterId + "-net";

    private LoadBalancerCluster Cluster => _cluster ?? throw new InvalidOperationException("No cluster was started");

    /// <summary>Also sweeps what earlier, aborted runs left behind.</summary>
    public Task InitializeAsync() => DockerEngine.RequireAsync();

    public async Task DisposeAsync()
    {
        try
        {
            if (_cluster is not null)
            {
                await _cluster.DisposeAsync();
            }
        }
        finally
        {
            await DockerEngine.CleanUpAsync(_clusterId, Network, [.. _imageTags]);
        }
    }

    [Fact]
    public async Task Replicas_are_containers_adopted_after_a_silo_restart_and_reconciled()
    {
        var gateway = (await StartClusterAsync(redis: true)).Gateway;
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
        var ids = await ContainerIdsAsync();
        var (ring, version, table) = await RingAsync(redis: true);
        await Cluster.RestartSiloAsync();
        var (ringAfter, versionAfter, _) = await AssertAdoptedAsync(["Server 1", "Server 2", "Server 3", "D4"], ids, table, redis: true);
        Assert.Equal((ring, version), (ringAfter, versionAfter));
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
        var victim = (await DockerEngine.ContainersAsync(_clusterId)).First(c => c.Label("orleans-lb.replica") == "D4");
        await docker.Containers.RemoveContainerAsync(victim.ID, new Docker.DotNet.Models.ContainerRemoveParameters { Force = true });

        await Eventually.TrueAsync(async () =>
        {
            var now = await DockerEngine.ContainersAsync(_clusterId);
            output.WriteLine(string.Join(", ", now.Select(c => $"{c.Label("orleans-lb.replica")}:{c.State}")));
            return now.Count == 4 && now.All(c => c.Label("orleans-lb.replica") != "stray") && now.Any(c => c.Label("orleans-lb.replica") == "D4" && c.State == "running");
        }, TimeSpan.FromSeconds(90), "the stray is removed and D4 respawned");
        try
        {
            await Eventually.TrueAsync(async () => (await gateway.RouteAllAsync(keys)).OrderBy(k => k.Key).SequenceEqual(served.OrderBy(k => k.Key)), TimeSpan.FromSeconds(60));
        }
        catch
        {
            output.WriteLine(await gateway.Http.GetStringAsync("/replicas"));
            output.WriteLine(await gateway.Http.GetStringAsync("/ring"));
            throw;
        }

        // /rm stops and removes exactly the named container, once the gateways hold no request on it (drained).
        using (var removed = await gateway.RemoveAsync("""{"n": 1, "hostnames": ["D4"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        await Eventually.TrueAsync(async () => (await RunningReplicasAsync()).SequenceEqual(["Server 1", "Server 2", "Server 3"]), TimeSpan.FromSeconds(60), "D4 stops once drained");
        Assert.Equal(["Server 1", "Server 2", "Server 3"], await gateway.GetReplicaNamesAsync());
    }

    [Fact]
    public async Task A_silo_restart_that_loses_the_ring_adopts_the_running_containers_in_their_order()
    {
        // One silo with the ring in memory (the compose set-up): a restart loses the ring, not the containers.
        var gateway = (await StartClusterAsync(redis: false)).Gateway;
        using (var added = await gateway.AddAsync("""{"n": 2, "hostnames": ["Z9", "A1"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }

        string[] names = ["Server 1", "Server 2", "Server 3", "Z9", "A1"];
        Assert.Equal(names, await gateway.GetReplicaNamesAsync());
        var ordinals = (await DockerEngine.ContainersAsync(_clusterId))
            .OrderBy(c => long.Parse(c.Label("orleans-lb.ordinal"), System.Globalization.CultureInfo.InvariantCulture))
            .Select(c => c.Label("orleans-lb.replica"));
        Assert.Equal(names, ordinals);
        var keys = Enumerable.Range(0, 300).Select(i => $"k{i}").ToList();
        var routes = await gateway.RouteAllAsync(keys);
        var ids = await ContainerIdsAsync();
        var (ring, _, table) = await RingAsync(redis: false);

        // The silo dies and its stored ring with it (a lost disk).
        await Cluster.RestartSiloAsync(loseState: true);

        // The same containers, none started or removed, every one adopted into the rebuilt ring, in the same order.
        var (ringAfter, versionAfter, log) = await AssertAdoptedAsync(names, ids, table, redis: false);
        Assert.Contains("rebuilt it from them, in their order of addition", log, StringComparison.Ordinal);

        // A ring made anew: the gateway, still on a snapshot of the lost one, switches to it.
        Assert.NotEqual(ring, ringAfter);
        await Eventually.TrueAsync(
            async () => (await gateway.GetJsonAsync("/ring")).RootElement.GetProperty("message") is var message
                && message.GetProperty("ring").GetString() == ringAfter.ToString()
                && message.GetProperty("version").GetInt64() == versionAfter,
            TimeSpan.FromSeconds(60), "the gateway routes on the rebuilt ring");
        Assert.Equal(routes, await gateway.RouteAllAsync(keys));
        using (var added = await gateway.AddAsync("""{"n": 1, "hostnames": ["after"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }

        Assert.Equal([.. names, "after"], await gateway.GetReplicaNamesAsync());
        Assert.Equal(6, (await DockerEngine.ContainersAsync(_clusterId)).Count);
    }

    [Fact]
    public async Task A_failing_image_fails_add_with_an_error_and_leaves_nothing_behind()
    {
        // The silo runs replicas from a tag of the test's own, which the test then points at an image that cannot run.
        var image = $"orleans-lb/backend:{_clusterId}";
        _imageTags.Add(image);
        await DockerEngine.TagImageAsync(DockerEngine.Image, image);
        var gateway = (await StartClusterAsync(redis: false, new() { ["Replicas__Docker__Image"] = image })).Gateway;
        var replicas = await gateway.GetReplicaNamesAsync();
        var ids = await ContainerIdsAsync();

        // An image whose program exits at once: the start fails with its exit code, not after the start timeout.
        await DockerEngine.BuildImageAsync(image, $"FROM {DockerEngine.Image}\nENTRYPOINT [\"dotnet\", \"missing.dll\"]\n");
        var clock = Stopwatch.StartNew();
        var crashed = await FailedAddAsync(gateway, """{"n": 1, "hostnames": ["broken"]}""");
        output.WriteLine($"{clock.ElapsedMilliseconds} ms: {crashed}");
        Assert.Matches("^<Error> Replica 'broken' exited with code [1-9][0-9]* right after it started", crashed);
        Assert.Equal(replicas, await gateway.GetReplicaNamesAsync());
        Assert.Equal(ids, await ContainerIdsAsync());

        // No image at all under that name: the create fails.
        await DockerEngine.RemoveImageAsync(image);
        var missing = await FailedAddAsync(gateway, """{"n": 2}""");
        output.WriteLine(missing);
        Assert.StartsWith($"<Error> Could not start replica 'replica-", missing);
        Assert.Contains($"from image '{image}'", missing);
        Assert.Equal(replicas, await gateway.GetReplicaNamesAsync());
        Assert.Equal(ids, await ContainerIdsAsync());
    }

    [Fact]
    public async Task Docker_killing_a_replica_container_under_load_fails_no_request()
    {
        var gateway = (await StartClusterAsync(redis: true)).Gateway;
        var keys = Enumerable.Range(0, 300).Select(i => $"k{i}").ToList();
        var before = await gateway.RouteAllAsync(keys);
        var victim = (await DockerEngine.ContainersAsync(_clusterId)).First(c => c.Label("orleans-lb.replica") == "Server 2");

        var load = LoadRun.Start(gateway, requests: 20_000, clients: 32, cap: TimeSpan.FromSeconds(90), out var running);
        await Task.Delay(400);
        using var docker = DockerEngine.Connect();
        var clock = Stopwatch.StartNew();
        await docker.Containers.KillContainerAsync(victim.ID, new Docker.DotNet.Models.ContainerKillParameters());
        await Eventually.TrueAsync(async () =>
            (await DockerEngine.ContainersAsync(_clusterId)).Any(c => c.Label("orleans-lb.replica") == "Server 2" && c.State == "running" && c.ID != victim.ID)
            && (await gateway.RouteAllAsync(keys)).OrderBy(k => k.Key).SequenceEqual(before.OrderBy(k => k.Key)),
            TimeSpan.FromSeconds(60), "the killed container's replacement serves its keys again");
        var serving = clock.Elapsed;
        await running;

        output.WriteLine($"docker kill: replacement serving after {serving.TotalMilliseconds:0} ms; {load.Completed} requests, {load.Failures.Count} failed; {load.Summary()}");
        Assert.True(load.Failures.Count == 0, string.Join("\n", load.Failures.Take(5)));
        Assert.Equal(3, (await DockerEngine.ContainersAsync(_clusterId)).Count);
    }

    /// <summary>A silo on the Docker runtime with its own label and network, and a gateway; the ring in Redis or in the silo's memory.</summary>
    private async Task<LoadBalancerCluster> StartClusterAsync(bool redis, Dictionary<string, string>? siloSettings = null)
    {
        var silo = new Dictionary<string, string>
        {
            ["Replicas__Runtime"] = "Docker",
            ["Replicas__Docker__ClusterId"] = _clusterId,
            ["Replicas__Docker__Network"] = Network,
        };
        var gateway = new Dictionary<string, string>();
        if (redis)
        {
            silo["Cluster__Provider"] = gateway["Cluster__Provider"] = "Redis";
            silo["Cluster__RedisConnectionString"] = gateway["Cluster__RedisConnectionString"] = Redis;
        }

        foreach (var (key, value) in siloSettings ?? [])
        {
            silo[key] = value;
        }

        return _cluster = await LoadBalancerCluster.StartAsync(siloSettings: silo, gatewaySettings: gateway);
    }

    /// <summary>
    /// After a silo restart: once the new silo says the replica set is in place, the same containers run, the ring has
    /// the same table, and the new silo adopted every replica and started or removed none. Returns the ring as it is
    /// now and the new silo's log.
    /// </summary>
    private async Task<(Guid Ring, long Version, string Log)> AssertAdoptedAsync(
        IReadOnlyList<string> names, IReadOnlyList<string> ids, IReadOnlyList<string> table, bool redis)
    {
        await Eventually.TrueAsync(
            () => Task.FromResult(Cluster.Silo.Output.Contains("Replica set is in place", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), "the restarted silo brings up the replica set");
        var log = Cluster.Silo.Output;
        try
        {
            Assert.Equal(ids, await ContainerIdsAsync());
            var (ringAfter, versionAfter, tableAfter) = await RingAsync(redis);
            Assert.True(table.SequenceEqual(tableAfter), "the ring's table changed across the restart");
            Assert.All(names, name => Assert.Contains($"Adopted running replica {name} at", log, StringComparison.Ordinal));
            Assert.DoesNotContain("Started replica", log, StringComparison.Ordinal);
            Assert.DoesNotContain("Stopping stray replica", log, StringComparison.Ordinal);
            return (ringAfter, versionAfter, log);
        }
        catch
        {
            output.WriteLine(log);
            throw;
        }
    }

    /// <summary>The ring's id, version and table, read through an Orleans client of the test's own.</summary>
    private async Task<(Guid Ring, long Version, IReadOnlyList<string> Table)> RingAsync(bool redis)
    {
        using var host = redis
            ? await ClusterInspection.ConnectRedisAsync(Redis, Cluster.ClusterId, Cluster.ServiceId)
            : await ClusterInspection.ConnectLocalhostAsync(Cluster.GatewayPort, Cluster.ClusterId, Cluster.ServiceId);
        try
        {
            var snapshot = await host.Client().GetGrain<IRingGrain>(RingKeys.Default).GetSnapshot();
            return (snapshot.RingId, snapshot.Version, ClusterInspection.Table(snapshot));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>Posts a <c>/add</c> that must fail: a 4xx or 5xx with the seed's error body; returns its message.</summary>
    private static async Task<string> FailedAddAsync(GatewayEndpoint gateway, string json)
    {
        using var response = await gateway.AddAsync(json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode is >= 400 and < 600, $"{(int)response.StatusCode}: {body}");
        Assert.Matches("""^\{"message": ".*", "status": "failure"\}$""", body);
        using var document = JsonDocument.Parse(body);
        var message = document.RootElement.GetProperty("message").GetString()!;
        Assert.StartsWith("<Error> ", message);
        return message;
    }

    private async Task<List<string>> ContainerIdsAsync() =>
        (await DockerEngine.ContainersAsync(_clusterId)).Select(c => c.ID).Order().ToList();

    private async Task<List<string>> RunningReplicasAsync() =>
        (await DockerEngine.ContainersAsync(_clusterId)).Where(c => c.State == "running").Select(c => c.Label("orleans-lb.replica")).Order().ToList();
}
