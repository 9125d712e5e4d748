using System.Diagnostics;
using System.Net;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// The embedded default keeps the ring in a local file and its replicas run detached: a silo that crashes and starts
/// again loads the same ring (same id, same version) and adopts the replicas still running, so every key keeps its
/// replica. Meanwhile the gateway routes on its last snapshot. A normal stop still stops every replica.
/// </summary>
public sealed class SiloRestartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] Keys = Enumerable.Range(0, 300).Select(i => $"restart-key-{i}").ToArray();

    private LoadBalancerCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await LoadBalancerCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_killed_silo_restarts_under_load_with_every_replica_and_key_and_a_normal_stop_leaves_no_replica()
    {
        var gateway = _cluster.Gateway;
        var (ringBefore, versionBefore) = await RingAsync();
        var routesBefore = await gateway.RouteAllAsync(Keys);
        var replicasBefore = Replicas();
        Assert.Equal(3, replicasBefore.Count);
        await Eventually.TrueAsync(() => Task.FromResult(Spares().Count == 1), TimeSpan.FromSeconds(60), "a warm spare runs");
        var spareBefore = Spares()[0];

        await using var load = SteadyLoad.Start(gateway.Http);
        await Task.Delay(500);
        _cluster.Silo.Kill();

        // The gateway keeps routing on its last snapshot; an admin call that needs the cluster gets a 503 once the
        // Orleans client gives up on the dead silo (its response timeout).
        using var adminClient = new HttpClient { BaseAddress = gateway.Address, Timeout = TimeSpan.FromSeconds(90) };
        var adminCall = Stopwatch.StartNew();
        var adminDuringOutage = adminClient.GetAsync("/replicas");
        await Task.Delay(1000);
        Assert.Equal(replicasBefore, Replicas());
        await _cluster.RestartSiloAsync();
        var restarted = Stopwatch.StartNew();

        await Eventually.TrueAsync(async () => await AdminAnswersAsync(), TimeSpan.FromSeconds(120), "the admin API answers");
        var adminBack = restarted.Elapsed;
        await Task.Delay(500);
        var (sent, failed) = await load.StopAsync();
        using var outageAnswer = await adminDuringOutage;
        var outageBody = await outageAnswer.Content.ReadAsStringAsync();
        output.WriteLine($"admin call made during the outage: {(int)outageAnswer.StatusCode} after {adminCall.Elapsed.TotalMilliseconds:0} ms: {outageBody}");

        output.WriteLine($"silo killed, started again 1 s later; admin API {adminBack.TotalMilliseconds:0} ms after the new silo started; {sent} requests, {failed} failed");
        output.WriteLine(string.Join("\n", load.Failures.Take(10)));
        Assert.True(failed == 0, string.Join("\n", load.Failures.Take(10)));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, outageAnswer.StatusCode);
        Assert.Contains("The cluster did not complete the request", outageBody);
        // The stored ring, not a rebuilt one: same id, same version (the replicas still running were adopted as they were).
        Assert.Equal((ringBefore, versionBefore), await RingAsync());
        Assert.Equal(replicasBefore, Replicas());
        Assert.Equal(routesBefore, await gateway.RouteAllAsync(Keys));
        // The dead silo's spare is not adopted (nothing would ever use it): the new silo stopped it.
        await Eventually.TrueAsync(() => Task.FromResult(!Spares().Contains(spareBefore)), TimeSpan.FromSeconds(60), "the dead silo's spare is stopped");

        // A normal stop (SIGTERM, as Ctrl+C in a terminal) stops every replica of the cluster, adopted ones too, and spares.
        using (var term = Process.Start("kill", ["-TERM", _cluster.Silo.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        Assert.NotNull(await _cluster.Silo.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Empty(ClusterInspection.ReplicaProcesses(_cluster.ClusterId));
    }

    /// <summary>The live replica processes registered as serving (a taken spare keeps SERVER_ID=spare in its environment).</summary>
    private List<int> Replicas() => Registered("");

    private List<int> Spares() => Registered("spares");

    private List<int> Registered(string folder)
    {
        var live = ClusterInspection.RuntimeProcesses(_cluster.ClusterId);
        var registry = Path.Combine(Path.GetTempPath(), "orleans-lb", "replicas", _cluster.ClusterId, folder);
        return !Directory.Exists(registry) ? [] : Directory.EnumerateFiles(registry, "*.json")
            .Select(f => int.Parse(Path.GetFileNameWithoutExtension(f), System.Globalization.CultureInfo.InvariantCulture))
            .Where(live.Contains).Order().ToList();
    }

    private async Task<bool> AdminAnswersAsync()
    {
        using var response = await _cluster.Gateway.Http.GetAsync("/replicas");
        return response.StatusCode == HttpStatusCode.OK;
    }

    private async Task<(string Ring, long Version)> RingAsync()
    {
        using var ring = await _cluster.Gateway.GetJsonAsync("/ring");
        var message = ring.RootElement.GetProperty("message");
        return (message.GetProperty("ring").GetString()!, message.GetProperty("version").GetInt64());
    }
}
