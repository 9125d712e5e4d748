using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// What a user does: start a run script (the README's <c>deploy/run-local.sh</c>, or <c>deploy/run-cluster.sh</c>) as a
/// real process on ports of its own, keep a steady load running, and in turn kill processes with <c>kill -9</c> and
/// replace the gateways (<c>kill -USR2</c> to the script). After each fault: no failed request, three replicas, every
/// sampled key on its replica; a table of the faults is printed.
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Keys = Enumerable.Range(0, 200).Select(i => $"chaos-key-{i}").ToArray();

    private readonly string _clusterId = "chaos-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<string> _rows = [];

    /// <summary>Whatever a failed test left (the scripts' silos restart on their own, and shared replicas outlive them).</summary>
    public void Dispose() => ClusterProcesses.EndAll(_clusterId);

    [Fact]
    public async Task Run_local_survives_a_killed_replica_a_killed_silo_and_a_gateway_hand_over_without_a_failed_request()
    {
        var gatewayPort = FreePort.Next();
        using var http = Client(gatewayPort);
        await using (var script = RunScript.Start("run-local.sh", new Dictionary<string, string>
        {
            ["CLUSTER_ID"] = _clusterId,
            ["GATEWAY_PORT"] = Text(gatewayPort),
            ["SILO_PORT"] = Text(FreePort.Next()),
            ["SILO_GATEWAY_PORT"] = Text(FreePort.Next()),
            ["SILO_HTTP_PORT"] = Text(FreePort.Next()),
        }))
        {
            await Eventually.TrueAsync(async () => (await ReplicaNamesAsync(http)).Count == 3, TimeSpan.FromSeconds(120), "run-local.sh serves with three replicas");
            var routes = await RouteAllAsync(http);

            await FaultAsync("kill -9 a replica", [http], routes, () => RunScript.Signal("KILL", RegisteredReplicas().First()));
            await FaultAsync("kill -9 the silo", [http], routes, () => RunScript.Signal("KILL", Silos().Single()), adminCheck: true);
            var gatewayBefore = Gateways().Single();
            await FaultAsync("gateway hand-over (kill -USR2 run-local.sh)", [http], routes, () => RunScript.Signal("USR2", script.Id),
                settled: () => Gateways() is [var only] && only != gatewayBefore);
            PrintTable(script);
        }

        // A normal stop of the embedded default leaves nothing: no replica, no spare, no silo, no gateway.
        Assert.Empty(ClusterInspection.RuntimeProcesses(_clusterId));
        Assert.Empty(RunScript.Programs(_clusterId, "Orleans.LoadBalancer"));
    }

    [Fact]
    public async Task Run_cluster_survives_each_silo_killed_in_turn_and_a_hand_over_of_both_gateways_without_a_failed_request()
    {
        await using var redis = await RedisServer.StartAsync();
        var gatewayPort = FreePort.Run(2);
        using var first = Client(gatewayPort);
        using var second = Client(gatewayPort + 1);
        var siloPort = FreePort.Run(3);
        try
        {
            await RunClusterAsync(redis, gatewayPort, siloPort, first, second);
        }
        finally
        {
            // The shared replicas outlive the cluster by design: end them however the test went.
            using var stop = Process.Start(new ProcessStartInfo("bash", [Path.Combine(RepoPaths.Root, "deploy", "run-cluster.sh"), "--stop-replicas"])
            {
                Environment = { ["CLUSTER_ID"] = _clusterId },
            })!;
            await stop.WaitForExitAsync();
        }

        await Eventually.TrueAsync(() => Task.FromResult(ClusterInspection.RuntimeProcesses(_clusterId).Count == 0), TimeSpan.FromSeconds(30), "--stop-replicas ends the replicas");
    }

    private async Task RunClusterAsync(RedisServer redis, int gatewayPort, int siloPort, HttpClient first, HttpClient second)
    {
        await using (var script = RunScript.Start("run-cluster.sh", new Dictionary<string, string>
        {
            ["CLUSTER_ID"] = _clusterId,
            ["REDIS_PORT"] = Text(redis.Port),
            ["GATEWAY_PORT"] = Text(gatewayPort),
            ["SILO_PORT"] = Text(siloPort),
            ["SILO_GATEWAY_PORT"] = Text(FreePort.Run(3)),
            ["SILO_HTTP_PORT"] = Text(FreePort.Run(3)),
        }))
        {
            await Eventually.TrueAsync(async () => (await ReplicaNamesAsync(first)).Count == 3 && (await ReplicaNamesAsync(second)).Count == 3,
                TimeSpan.FromSeconds(180), "run-cluster.sh serves with three replicas on both gateways");
            var routes = await RouteAllAsync(first);

            // One of the three hosts the RingGrain and the ReplicaManagerGrain: each is killed once.
            for (var i = 0; i < 3; i++)
            {
                var port = siloPort + i;
                await FaultAsync($"kill -9 silo{i + 1} of 3", [first, second], routes,
                    () => RunScript.Signal("KILL", Silos($"Cluster__SiloPort={port}").Single()),
                    settled: () => Silos($"Cluster__SiloPort={port}").Count == 1, adminCheck: true);
            }

            var gatewaysBefore = Gateways();
            await FaultAsync("hand-over of both gateways (kill -USR2 run-cluster.sh)", [first, second], routes, () => RunScript.Signal("USR2", script.Id),
                settled: () => Gateways() is { Count: 2 } now && !now.Intersect(gatewaysBefore).Any());
            PrintTable(script);
        }

        // Silos and gateways stop; the shared replicas (and no spare) stay for the next start.
        Assert.Empty(RunScript.Programs(_clusterId, "Orleans.LoadBalancer.Silo.dll"));
        Assert.Empty(RunScript.Programs(_clusterId, "Orleans.LoadBalancer.Gateway.dll"));
        Assert.Equal(3, ClusterInspection.RuntimeProcesses(_clusterId).Count);
    }

    private async Task FaultAsync(string fault, HttpClient[] gateways, Dictionary<string, string> routes, Action inject, bool adminCheck = false, Func<bool>? settled = null)
    {
        var loads = gateways.Select(g => SteadyLoad.Start(g)).ToList();
        try
        {
            await Task.Delay(500);
            var clock = Stopwatch.StartNew();
            inject();
            await Task.Delay(500);
            await Eventually.TrueAsync(
                async () => (settled?.Invoke() ?? true) && (await Task.WhenAll(gateways.Select(g => AllRoutedAsync(g, routes)))).All(ok => ok),
                TimeSpan.FromSeconds(120), $"{fault}: every key back on its replica");
            var back = clock.Elapsed;
            var admin = "";
            if (adminCheck)
            {
                await Eventually.TrueAsync(async () => (await gateways[0].GetAsync("/replicas")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(120), "the admin API answers");
                admin = $" (admin API {clock.Elapsed.TotalSeconds:0.0} s)";
            }

            await Task.Delay(500);
            var results = await Task.WhenAll(loads.Select(l => l.StopAsync()));
            var (sent, failed) = (results.Sum(r => r.Sent), results.Sum(r => r.Failed));
            _rows.Add($"| {fault} | {sent} | {failed} | {back.TotalSeconds:0.0} s{admin} |");
            Assert.True(failed == 0, $"{fault}: {failed} of {sent} failed:\n{string.Join('\n', loads.SelectMany(l => l.Failures).Take(10))}");
            foreach (var gateway in gateways)
            {
                Assert.Equal(3, (await ReplicaNamesAsync(gateway)).Count);
                Assert.Equal(routes, await RouteAllAsync(gateway));
            }
        }
        finally
        {
            foreach (var load in loads)
            {
                await load.DisposeAsync();
            }
        }
    }

    private void PrintTable(RunScript script)
    {
        output.WriteLine("| fault | requests sent | failed | every key back after |");
        output.WriteLine("|---|---:|---:|---:|");
        _rows.ForEach(output.WriteLine);
        output.WriteLine(script.SupervisorLog);
    }

    private static async Task<bool> AllRoutedAsync(HttpClient http, Dictionary<string, string> routes)
    {
        try
        {
            var now = await RouteAllAsync(http);
            return routes.All(r => now.TryGetValue(r.Key, out var replica) && replica == r.Value);
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static async Task<Dictionary<string, string>> RouteAllAsync(HttpClient http)
    {
        var routes = new Dictionary<string, string>();
        foreach (var key in Keys)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/home");
            request.Headers.Add("X-Request-Id", key);
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            routes[key] = response.Headers.GetValues("X-Replica").Single();
        }

        return routes;
    }

    private static async Task<IReadOnlyList<string>> ReplicaNamesAsync(HttpClient http)
    {
        try
        {
            using var document = JsonDocument.Parse(await http.GetStringAsync("/rep"));
            return document.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray().Select(e => e.GetString()!).ToList();
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }

    /// <summary>The live serving replicas of the cluster (registered ones, not spares), by process id.</summary>
    private List<int> RegisteredReplicas()
    {
        var live = ClusterInspection.RuntimeProcesses(_clusterId);
        return Directory.EnumerateFiles(Path.Combine(Path.GetTempPath(), "orleans-lb", "replicas", _clusterId), "*.json")
            .Select(f => int.Parse(Path.GetFileNameWithoutExtension(f), CultureInfo.InvariantCulture)).Where(live.Contains).ToList();
    }

    private List<int> Silos(params string[] variables) => RunScript.Programs(_clusterId, "Orleans.LoadBalancer.Silo.dll", variables);

    private List<int> Gateways() => RunScript.Programs(_clusterId, "Orleans.LoadBalancer.Gateway.dll");

    private static HttpClient Client(int port) => new(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 64 })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}"),
        Timeout = TimeSpan.FromSeconds(30),
    };

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
