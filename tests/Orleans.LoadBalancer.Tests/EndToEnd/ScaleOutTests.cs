using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.Tests.EndToEnd;

/// <summary>
/// Three silos and two gateways on a Redis of the test's own: any one process can die, including the silo that hosts
/// the RingGrain and Redis itself, without a failed request or a lost or duplicated replica.
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
    public async Task The_cluster_survives_losing_the_ring_silo_a_gateway_and_redis()
    {
        var (first, second) = (_cluster.Gateways[0], _cluster.Gateways[1]);
        var keys = Enumerable.Range(0, 10_000).Select(i => i.ToString("D6", CultureInfo.InvariantCulture)).ToList();
        var routes = await first.RouteAllAsync(keys, parallelism: 32);
        Assert.Equal(routes, await second.RouteAllAsync(keys, parallelism: 32));

        // Kill -9 the silo that hosts the RingGrain under load through both gateways.
        using var host = Host.CreateDefaultBuilder()
            .UseOrleansClient(c => c.UseRedisClustering(Redis["Cluster__RedisConnectionString"])
                .Configure<Orleans.Configuration.ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (_cluster.ClusterId, _cluster.ServiceId))
                // Short, so that the time measured is the cluster's recovery, not a call stuck on the dead silo.
                .Configure<Orleans.Configuration.ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(2)))
            .Build();
        await host.StartAsync();
        var ring = host.Services.GetRequiredService<IClusterClient>().GetGrain<IRingGrain>(RingKeys.Default);
        var before = await ring.GetState();
        var ringSilo = _cluster.Silos.Keys.Single(port => before.Silo.Contains($":{port}:", StringComparison.Ordinal));

        var load = LoadRun.Start(_cluster.Gateways, requests: 20_000, clients: 32, cap: TimeSpan.FromSeconds(90), out var running);
        await Task.Delay(500);
        _cluster.KillSilo(ringSilo);
        var killed = Stopwatch.StartNew();
        var serving = await WaitAsync(async () => (await ring.GetState()).Version >= before.Version, TimeSpan.FromSeconds(60));
        var changes = await WaitAsync(async () =>
        {
            using var added = await first.AddAsync("""{"n": 1, "hostnames": ["late"]}""");
            return added.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(60));
        await running;
        var after = await ring.GetState();
        output.WriteLine($"ring silo killed: RingGrain served again after {serving.TotalMilliseconds:0} ms, /add worked after {changes.TotalMilliseconds:0} ms; {load.Completed} requests, {load.Failures.Count} failed; p99 {LoadRun.Percentile(load.LatenciesMs, 0.99):0.0} ms");
        Assert.True(load.Failures.Count == 0, string.Join("\n", load.Failures.Take(5)));
        Assert.NotEqual(before.Silo, after.Silo);
        Assert.Equal(before.Version + 1, after.Version);
        Assert.Equal(before.Replicas.Select(r => (r.Name, r.Address, r.RuntimeId)), after.Replicas.Take(3).Select(r => (r.Name, r.Address, r.RuntimeId)));
        Assert.True(RegisteredReplicas() == 4, await first.Http.GetStringAsync("/replicas") + "\n" + _cluster.Output[^20000..]);

        using (var removed = await second.RemoveAsync("""{"n": 1, "hostnames": ["late"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        await Eventually.TrueAsync(async () => (await first.GetReplicaNamesAsync()).Count == 3, TimeSpan.FromSeconds(2));
        Assert.Equal(3, RegisteredReplicas());
        Assert.Equal(routes, await first.RouteAllAsync(keys, parallelism: 32));

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
        await WaitAsync(async () =>
        {
            using var added = await first.AddAsync("""{"n": 1, "hostnames": ["after-redis"]}""");
            return added.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(60));
        Assert.Equal(4, (await first.GetReplicaNamesAsync()).Count);
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
