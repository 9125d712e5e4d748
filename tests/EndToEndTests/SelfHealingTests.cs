using System.Diagnostics;
using System.Net;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>Chaos on a cluster of its own: replicas killed or hung under load; clients must not notice.</summary>
public sealed class SelfHealingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] Keys = Enumerable.Range(0, 600).Select(i => $"key-{i}").ToArray();

    private LoadBalancerCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await LoadBalancerCluster.StartAsync(
        // A hung replica is replaced once it has not answered for DeadAfter, then given StopGrace after SIGTERM: both
        // short here, so that the hung one is replaced within seconds.
        siloSettings: new Dictionary<string, string>
        {
            ["BACKEND_TEST_SWITCHES"] = "1", ["Replicas__DeadAfter"] = "00:00:02", ["Replicas__StopGrace"] = "00:00:01",
        },
        // A suspect mark far longer than any replacement takes: keys must come back because the ring says the
        // replica is up at its new address, not because the mark ran out.
        gatewaySettings: new Dictionary<string, string> { ["Gateway__ReplicaTimeout"] = "00:00:01", ["Gateway__SuspectFor"] = "00:00:30" });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Killing_replicas_under_load_fails_no_request_and_every_key_comes_back_to_its_replica()
    {
        var gateway = _cluster.Gateway;
        var before = await gateway.RouteAllAsync(Keys);

        // One replica killed mid-run.
        var (victim, _) = (await ReplicasAsync())[1];
        var timing = await KillUnderLoadAsync([victim]);
        output.WriteLine(string.Join("\n", _cluster.Output.Split('\n').Where(l => l.Contains("dead", StringComparison.Ordinal) || l.Contains("Replaced", StringComparison.Ordinal) || l.Contains("Started replica", StringComparison.Ordinal) || l.Contains("suspect", StringComparison.Ordinal))));
        output.WriteLine($"kill 1: detected after {timing.Detected.TotalMilliseconds:0} ms, serving again after {timing.Serving.TotalMilliseconds:0} ms");
        Assert.Equal(before, await gateway.RouteAllAsync(Keys));

        // Two at once.
        var two = (await ReplicasAsync()).Select(r => r.Name).Take(2).ToArray();
        await KillUnderLoadAsync(two);
        Assert.Equal(before, await gateway.RouteAllAsync(Keys));

        // The same one three times in a row: it comes back each time, later each time (backoff).
        var serving = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            serving.Add((await KillUnderLoadAsync([victim], requests: 6000)).Serving);
        }

        output.WriteLine($"same replica three times: serving again after {string.Join(", ", serving.Select(s => $"{s.TotalMilliseconds:0} ms"))}");
        Assert.Equal(before, await gateway.RouteAllAsync(Keys));

        // Five deaths in a row: it keeps coming back, later each time (backoff), and is reported as failed.
        using var replicas = await gateway.GetJsonAsync("/replicas");
        var status = replicas.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray()
            .Single(r => r.GetProperty("name").GetString() == victim);
        Assert.True(status.GetProperty("restarts").GetInt32() >= 5, $"restarts: {status.GetProperty("restarts")}");
        Assert.Equal("failed", status.GetProperty("state").GetString());
        Assert.Contains($"Replica {victim} keeps dying", _cluster.Silo.Output);
        Assert.Equal(3, (await gateway.GetReplicaNamesAsync()).Count);
    }

    [Fact]
    public async Task A_hung_replica_is_detected_by_timeout_and_replaced_without_failed_requests()
    {
        var gateway = _cluster.Gateway;
        var before = await gateway.RouteAllAsync(Keys);
        var (victim, address) = (await ReplicasAsync())[0];

        var load = LoadRun.Start(gateway, requests: 8000, clients: 32, cap: TimeSpan.FromSeconds(60), out var running);
        await Task.Delay(300);
        using (var http = new HttpClient())
        {
            using var hang = await http.PostAsync(address + "/admin/hang", null);
            Assert.Equal(HttpStatusCode.OK, hang.StatusCode);
        }

        var replaced = await WaitReplacedAsync(victim, address, TimeSpan.FromSeconds(60));
        await running;

        output.WriteLine($"hung replica replaced after {replaced.Serving.TotalMilliseconds:0} ms; {load.Summary()}");
        Assert.Empty(load.Failures);
        // Requests caught on the hung replica were retried elsewhere after the replica timeout (1 s), long before the
        // client's own timeout (30 s) would have ended them.
        Assert.NotEmpty(load.RetriedMs);
        Assert.True(load.LatenciesMs[^1] < 10_000, $"the slowest request took {load.LatenciesMs[^1]} ms");
        Assert.Equal(before, await gateway.RouteAllAsync(Keys));
    }

    private async Task<(TimeSpan Detected, TimeSpan Serving)> KillUnderLoadAsync(string[] victims, int requests = 20_000)
    {
        var replicas = await ReplicasAsync();
        var load = LoadRun.Start(_cluster.Gateway, requests, clients: 32, cap: TimeSpan.FromSeconds(90), out var running);
        await Task.Delay(400);

        var timings = new List<Task<(TimeSpan, TimeSpan)>>();
        foreach (var victim in victims)
        {
            var address = replicas.Single(r => r.Name == victim).Address;
            Process.GetProcessById(await ProcessIdAsync(victim)).Kill();
            output.WriteLine($"{DateTime.Now:HH:mm:ss.fff} killed {victim}");
            timings.Add(WaitReplacedAsync(victim, address, TimeSpan.FromSeconds(60)));
        }

        var results = await Task.WhenAll(timings);
        await running;
        output.WriteLine($"killed {string.Join(", ", victims)} during {load.Completed} requests: {load.Failures.Count} failed; {load.Summary()}");
        Assert.True(load.Failures.Count == 0, string.Join("\n", load.Failures.Take(10)));
        Assert.Equal(requests, load.Completed);
        return results.MaxBy(r => r.Item2);
    }

    /// <summary>Waits until <paramref name="name"/> is found dead, then until it serves at a new address.</summary>
    private async Task<(TimeSpan Detected, TimeSpan Serving)> WaitReplacedAsync(string name, string oldAddress, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        TimeSpan? detected = null;
        while (clock.Elapsed < timeout)
        {
            using var ring = await _cluster.Gateway.GetJsonAsync("/ring");
            var up = ring.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray()
                .Single(r => r.GetProperty("name").GetString() == name).GetProperty("up").GetBoolean();
            detected ??= up ? null : clock.Elapsed;
            var current = (await ReplicasAsync()).Single(r => r.Name == name);
            if (current.Address != oldAddress && up)
            {
                using var http = new HttpClient();
                if ((await http.GetAsync(current.Address + "/heartbeat")).IsSuccessStatusCode)
                {
                    return (detected ?? clock.Elapsed, clock.Elapsed);
                }
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"{name} was not replaced within {timeout}:\n{_cluster.Output}");
    }

    private async Task<List<(string Name, string Address)>> ReplicasAsync()
    {
        using var replicas = await _cluster.Gateway.GetJsonAsync("/replicas");
        return replicas.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray()
            .Select(r => (r.GetProperty("name").GetString()!, r.GetProperty("address").GetString()!))
            .ToList();
    }

    private async Task<int> ProcessIdAsync(string name)
    {
        using var replicas = await _cluster.Gateway.GetJsonAsync("/replicas");
        var id = replicas.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray()
            .Single(r => r.GetProperty("name").GetString() == name).GetProperty("runtimeId").GetString();
        return int.Parse(id!, System.Globalization.CultureInfo.InvariantCulture);
    }
}
