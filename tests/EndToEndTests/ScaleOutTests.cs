using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// Three silos and two gateways on a Redis of the test's own: any one process can die, including the silo that hosts
/// the RingGrain, the one that hosts the ReplicaManagerGrain, and Redis itself, without a failed request or a lost or
/// duplicated replica.
/// </summary>
public sealed class ScaleOutTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly int _redisPort = FreePort.Next();
    private readonly DirectoryInfo _redisData = Directory.CreateTempSubdirectory("lb-redis-");
    private Process _redis = null!;
    private LoadBalancerCluster _cluster = null!;

    private Dictionary<string, string> Redis => new()
    {
        ["Cluster__Provider"] = "Redis",
        ["Cluster__RedisConnectionString"] = $"127.0.0.1:{_redisPort},abortConnect=false",
    };

    public async Task InitializeAsync()
    {
        StartRedis();
        try
        {
            _cluster = await LoadBalancerCluster.StartAsync(gateways: 2, silos: 3, siloSettings: Redis, gatewaySettings: Redis);
        }
        catch
        {
            // xunit does not call DisposeAsync when InitializeAsync fails.
            _redis.Kill();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _redis.Kill();
        _redis.Dispose();
        _redisData.Delete(recursive: true);
    }

    [Fact]
    public async Task The_cluster_survives_losing_the_ring_silo_the_manager_silo_a_gateway_and_redis()
    {
        var (first, second) = (_cluster.Gateways[0], _cluster.Gateways[1]);
        var keys = Enumerable.Range(0, 10_000).Select(i => i.ToString("D6", CultureInfo.InvariantCulture)).ToList();
        var routes = await first.RouteAllAsync(keys, parallelism: 32);
        Assert.Equal(routes, await second.RouteAllAsync(keys, parallelism: 32));
        AssertOneProcessPerReplica(["Server 1", "Server 2", "Server 3"]);

        using var host = await ClusterInspection.ConnectRedisAsync(Redis["Cluster__RedisConnectionString"], _cluster.ClusterId, _cluster.ServiceId);
        var ring = host.Client().GetGrain<IRingGrain>(RingKeys.Default);
        var manager = host.Client().GetGrain<IReplicaManagerGrain>(RingKeys.Default);

        // Kill -9 the silo that hosts the RingGrain under load through both gateways.
        var before = await ring.GetState();
        var snapshotBefore = await ring.GetSnapshot();
        var tableBefore = ClusterInspection.Table(snapshotBefore);
        var ringSilo = _cluster.Silos.Keys.Single(port => ClusterInspection.IsSilo(before.Silo, port));
        var load = LoadRun.Start(_cluster.Gateways, requests: 20_000, clients: 32, cap: TimeSpan.FromSeconds(90), out var running);
        await Task.Delay(500);
        _cluster.KillSilo(ringSilo);
        var killed = Stopwatch.StartNew();
        RingState? reactivated = null;
        var serving = await WaitAsync(async () => (reactivated = await ring.GetState()).Silo != before.Silo, TimeSpan.FromSeconds(60));
        var snapshotReactivated = await ring.GetSnapshot();
        var tableReactivated = ClusterInspection.Table(snapshotReactivated);

        // The seed's admin calls work again after the kill (bounded per call, so a hung call counts).
        var added = await WaitAsync(() => ChangeAsync(first, HttpMethod.Post, "/add", "late", expectPresent: true), ChangesWithin - killed.Elapsed);
        var removed = await WaitAsync(() => ChangeAsync(second, HttpMethod.Delete, "/rm", "late", expectPresent: false), ChangesWithin - killed.Elapsed);
        await running;
        output.WriteLine(
            $"ring silo killed: RingGrain served again after {serving.TotalMilliseconds:0} ms, /add worked {added.TotalMilliseconds:0} ms later, " +
            $"/rm {removed.TotalMilliseconds:0} ms after that; {load.Completed} requests, {load.Failures.Count} failed; p99 {LoadRun.Percentile(load.LatenciesMs, 0.99):0.0} ms");
        Assert.True(load.Failures.Count == 0, string.Join("\n", load.Failures.Take(5)));

        // Reactivated elsewhere from Redis with its state intact: the same ring, version, replicas and table.
        Assert.Equal(snapshotBefore.RingId, snapshotReactivated.RingId);
        Assert.Equal(before.Version, reactivated!.Version);
        Assert.Equal(Records(before), Records(reactivated));
        Assert.True(tableBefore.SequenceEqual(tableReactivated), "the reactivated RingGrain routes differently");
        // The removed "late" replica drains before it stops and leaves the registry.
        await Eventually.TrueAsync(() => Task.FromResult(RegisteredReplicas() == 3), TimeSpan.FromSeconds(90), "only the three replicas stay registered");
        AssertOneProcessPerReplica(["Server 1", "Server 2", "Server 3"]);
        // The reactivated RingGrain pushes only to gateways that renewed their subscription since (Gateway:RingRefreshInterval).
        try
        {
            await Eventually.TrueAsync(async () => (await first.GetReplicaNamesAsync()).Count == 3, TimeSpan.FromSeconds(30), "the other gateway sees the /rm");
        }
        catch
        {
            output.WriteLine($"first: {await first.Http.GetStringAsync("/ring")}\nsecond: {await second.Http.GetStringAsync("/ring")}\n{_cluster.Output}");
            throw;
        }
        Assert.Equal(routes, await first.RouteAllAsync(keys, parallelism: 32));

        // Back to three silos; then kill -9 the one hosting the ReplicaManagerGrain, and a replica behind its back.
        // No admin call and no proxied request follow (a gateway's suspect report would also wake the manager):
        // the surviving silos' keep-alive calls must bring it back, and its health loop must replace the replica.
        // The restarted silo's own start-up call to the manager must be over, or it, not the keep-alive, would wake the manager.
        _cluster.StartSilo(ringSilo);
        await Eventually.TrueAsync(
            () => Task.FromResult(_cluster.Silos[ringSilo].Output.Contains("Replica set is in place", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(120), "the restarted silo reaches the replica manager");
        var managerSilo = await manager.GetSilo();
        var managerPort = _cluster.Silos.Keys.Single(port => ClusterInspection.IsSilo(managerSilo, port));
        var victim = (await ring.GetState()).Replicas.Single(r => r.Name == "Server 2");
        _cluster.KillSilo(managerPort);
        var managerKilled = Stopwatch.StartNew();
        using (var process = Process.GetProcessById(int.Parse(victim.RuntimeId, CultureInfo.InvariantCulture)))
        {
            process.Kill();
        }

        var replaced = await WaitAsync(async () =>
            (await ring.GetState()).Replicas.Single(r => r.Name == "Server 2") is { IsUp: true } replica
            && replica.RuntimeId != victim.RuntimeId
            && ClusterInspection.ReplicaProcesses(_cluster.ClusterId).ContainsKey(int.Parse(replica.RuntimeId, CultureInfo.InvariantCulture)), TimeSpan.FromSeconds(120));
        output.WriteLine($"manager silo and Server 2 killed: Server 2 replaced after {replaced.TotalMilliseconds:0} ms with no admin call");
        Assert.False(ClusterInspection.IsSilo(await manager.GetSilo(), managerPort));
        AssertOneProcessPerReplica(["Server 1", "Server 2", "Server 3"]);
        Assert.Equal(3, RegisteredReplicas());

        // When the RingGrain went down with the manager, the gateways follow once they renew (Gateway:RingRefreshInterval).
        await Eventually.TrueAsync(
            async () => (await first.RouteAllAsync(keys, parallelism: 32)).OrderBy(r => r.Key).SequenceEqual(routes.OrderBy(r => r.Key)),
            TimeSpan.FromSeconds(60), "every key is back on its replica");

        // Kill a gateway: the other keeps serving; restarted, it routes identically.
        second.Process.Kill();
        var sample = keys.Take(500).ToList();
        var fromFirst = await first.RouteAllAsync(sample);
        Assert.All(sample, k => Assert.Equal(routes[k], fromFirst[k]));
        var restarted = await _cluster.RestartGatewayAsync(1);
        Assert.Equal(routes, await restarted.RouteAllAsync(keys, parallelism: 32));

        // Restart Redis: routing never stops, and the ring is still there afterwards.
        var during = LoadRun.Start(_cluster.Gateways, requests: 4000, clients: 16, cap: TimeSpan.FromSeconds(60), out var redisLoad);
        _redis.Kill();
        await _redis.WaitForExitAsync();
        StartRedis();
        await redisLoad;
        Assert.Empty(during.Failures);
        await WaitAsync(() => ChangeAsync(first, HttpMethod.Post, "/add", "after-redis", expectPresent: true), TimeSpan.FromSeconds(60));
        Assert.Equal(4, (await first.GetReplicaNamesAsync()).Count);
        AssertOneProcessPerReplica(["Server 1", "Server 2", "Server 3", "after-redis"]);
    }

    /// <summary>
    /// How long after its silo is killed the RingGrain must take <c>/add</c> and <c>/rm</c> again: a bound on "it comes
    /// back", generous for a loaded machine (a few seconds on a quiet one; the output line prints the figures).
    /// </summary>
    private static readonly TimeSpan ChangesWithin = TimeSpan.FromSeconds(90);

    private static IEnumerable<(string, string, string, bool)> Records(RingState state) =>
        state.Replicas.Select(r => (r.Name, r.Address, r.RuntimeId, r.IsUp));

    /// <summary>
    /// One <c>/add</c> or <c>/rm</c> of <paramref name="name"/>, given 10 s; true once the gateway lists (or no longer lists) it.
    /// An attempt cut short may still have gone through, so success is judged by <c>/rep</c>, not by the status alone.
    /// </summary>
    private static async Task<bool> ChangeAsync(GatewayEndpoint gateway, HttpMethod method, string path, string name, bool expectPresent)
    {
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        using (var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(new { n = 1, hostnames = new[] { name } }) })
        {
            try
            {
                using var response = await gateway.Http.SendAsync(request, cts.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return (await gateway.GetReplicaNamesAsync()).Contains(name) == expectPresent;
    }

    /// <summary>Exactly one live process per replica of the ring, and none besides.</summary>
    private void AssertOneProcessPerReplica(IReadOnlyList<string> names)
    {
        var processes = ClusterInspection.ReplicaProcesses(_cluster.ClusterId);
        Assert.True(
            names.Order().SequenceEqual(processes.Values.Order()),
            $"expected one process each for {string.Join(", ", names)}; found {string.Join(", ", processes.Select(p => $"{p.Value} ({p.Key})"))}");
    }

    private void StartRedis()
    {
        var redis = ExternalTool.Require("redis-server", "/usr/bin/redis-server");
        _redis = Process.Start(new ProcessStartInfo(redis)
        {
            // Persistent, as a production Redis is: a restart keeps the ring and the membership table.
            ArgumentList = { "--port", _redisPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _redisData.FullName, "--appendonly", "yes", "--appendfsync", "always" },
            RedirectStandardOutput = true,
        })!;
        _redis.BeginOutputReadLine();
    }

    private int RegisteredReplicas() =>
        Directory.EnumerateFiles(Path.Combine(Path.GetTempPath(), "orleans-lb", "replicas", _cluster.ClusterId), "*.json").Count();

    /// <summary>Polls <paramref name="condition"/> (failures count as "not yet") and returns how long it took to hold.</summary>
    private static async Task<TimeSpan> WaitAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            try
            {
                if (await condition())
                {
                    return clock.Elapsed;
                }
            }
            catch (Exception)
            {
                // The cluster is still recovering.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"not within {timeout}");
    }
}
