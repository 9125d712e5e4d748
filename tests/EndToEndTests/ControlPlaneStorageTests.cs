using System.Diagnostics;
using System.Globalization;
using System.Net;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// The control plane when the ring's store (a Redis of the test's own) misbehaves: paused, or the ring's key lost.
/// Replicas keep being replaced, and no running replica is ever stopped because of the store.
/// </summary>
public sealed class ControlPlaneStorageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] Keys = Enumerable.Range(0, 200).Select(i => $"st-{i}").ToArray();

    private static readonly TimeSpan ReconcileInterval = TimeSpan.FromSeconds(2);

    /// <summary>How long redis sleeps: the replacement takes 2–4 s, on a busy machine too.</summary>
    private const int PauseSeconds = 10;

    private RedisServer _redis = null!;
    private LoadBalancerCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        var redis = new Dictionary<string, string>
        {
            ["Cluster__Provider"] = "Redis",
            ["Cluster__RedisConnectionString"] = _redis.ConnectionString,
        };
        try
        {
            _cluster = await LoadBalancerCluster.StartAsync(
                siloSettings: new Dictionary<string, string>(redis) { ["Replicas__ReconcileInterval"] = "00:00:02" },
                // A suspect mark longer than the test: a replaced replica's keys come back because the ring names its new address.
                gatewaySettings: new Dictionary<string, string>(redis) { ["Gateway__ReplicaTimeout"] = "00:00:01", ["Gateway__SuspectFor"] = "00:00:30" });
        }
        catch
        {
            // xunit does not call DisposeAsync when InitializeAsync fails.
            await _redis.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_replica_killed_while_the_store_is_paused_is_replaced_before_the_pause_ends()
    {
        var gateway = _cluster.Gateway;
        var before = await ControlPlaneProbe.ServeAllAsync(gateway, Keys);
        const string victim = "Server 2";
        var victimKeys = Keys.Where(k => before[k].Replica == victim).Take(20).ToList();
        Assert.NotEmpty(victimKeys);
        var victimPid = (await ControlPlaneProbe.ReplicasAsync(gateway)).Single(r => r.Name == victim).Pid;
        var versionBefore = await ControlPlaneProbe.RingVersionAsync(gateway);

        var load = LoadRun.Start(gateway, requests: 300_000, clients: 16, cap: TimeSpan.FromSeconds(PauseSeconds + 4), out var running);
        await Task.Delay(300);
        var clock = Stopwatch.StartNew();
        var pause = _redis.CommandAsync(TimeSpan.FromSeconds(40), "DEBUG", "SLEEP", PauseSeconds.ToString(CultureInfo.InvariantCulture));
        TimeSpan? pauseEnded = null;
        _ = pause.ContinueWith(_ => pauseEnded = clock.Elapsed, TaskScheduler.Default);
        await Eventually.TrueAsync(async () => pause.IsCompleted || !await _redis.PingAsync(TimeSpan.FromSeconds(1)), TimeSpan.FromSeconds(5));
        if (pause.IsCompleted)
        {
            Assert.Fail($"precondition: DEBUG SLEEP should pause redis for {PauseSeconds} s; it returned at once: {await pause}");
        }

        await ControlPlaneProbe.KillAsync(victimPid);
        var killed = clock.Elapsed;
        output.WriteLine($"{killed.TotalSeconds:0.00} s: killed {victim} (process {victimPid}) with redis paused");

        // The old process is gone: an answer as the victim comes from its replacement.
        var (replaced, pausedWhenReplaced, last) = await ControlPlaneProbe.WaitServedByAsync(gateway, victimKeys, victim, clock, TimeSpan.FromSeconds(35), pause);

        await pause;
        pauseEnded ??= clock.Elapsed;
        await running;
        output.WriteLine($"replacement served at {replaced?.TotalSeconds:0.00} s, redis answered again at {pauseEnded?.TotalSeconds:0.00} s; "
            + $"{load.Completed} requests, {load.Failures.Count} failed; {load.Summary()}");

        // After the pause the stored ring catches up: a change goes through and the version has grown.
        var (addStatus, addBody, addElapsed) = await ControlPlaneAdminInputTests.SendAsync(
            gateway, HttpMethod.Post, "/add", ControlPlaneAdminInputTests.Utf8("""{"n": 1, "hostnames": ["after-pause"]}"""), TimeSpan.FromSeconds(20));
        var versionAfter = await ControlPlaneProbe.RingVersionAsync(gateway);
        var names = await gateway.GetReplicaNamesAsync();
        output.WriteLine($"/add after the pause: {addStatus} in {addElapsed.TotalMilliseconds:0} ms; ring version {versionBefore} -> {versionAfter}");

        var problems = new List<string>();
        if (replaced is null)
        {
            problems.Add($"{victim} was never served again by a new process within 35 s; its keys went to: {string.Join(", ", last.Values.Distinct())}");
        }
        else if (!pausedWhenReplaced)
        {
            problems.Add($"the replacement waited for the store: {victim} (killed at {killed.TotalSeconds:0.0} s) served again only at "
                + $"{replaced.Value.TotalSeconds:0.0} s, after redis answered again at {pauseEnded?.TotalSeconds:0.0} s");
        }

        if (load.Failures.Count > 0)
        {
            problems.Add($"{load.Failures.Count} of {load.Completed} proxied requests failed, e.g. {string.Join(" | ", load.Failures.Take(3))}");
        }

        if (addStatus != 200 || !names.Contains("after-pause"))
        {
            problems.Add($"the /add after the pause answered {ControlPlaneAdminInputTests.Describe(addStatus)} {addBody}; /rep: {string.Join(", ", names)}");
        }

        if (versionAfter <= versionBefore)
        {
            problems.Add($"the ring's version did not grow: {versionBefore} before the pause, {versionAfter} after");
        }

        if (problems.Count > 0)
        {
            output.WriteLine(ControlPlaneProbe.ControlPlaneLog(_cluster));
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task The_ring_key_deleted_in_redis_is_written_back_within_seconds_without_any_change()
    {
        var stored = (await _redis.CommandAsync("--scan")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var ringKey = stored.Single(k => k.StartsWith($"{_cluster.ServiceId}/state/ring/", StringComparison.Ordinal));
        var version = await ControlPlaneProbe.RingVersionAsync(_cluster.Gateway);

        Assert.Equal("1", await _redis.CommandAsync("DEL", ringKey));
        var deleted = Stopwatch.StartNew();
        await Eventually.TrueAsync(async () => await _redis.CommandAsync("EXISTS", ringKey) == "1", TimeSpan.FromSeconds(15), "the ring's key is back");
        output.WriteLine($"the ring's key {ringKey} was back {deleted.ElapsedMilliseconds} ms after it was deleted");
        Assert.Equal(version, await ControlPlaneProbe.RingVersionAsync(_cluster.Gateway));
    }

    [Fact]
    public async Task Losing_the_ring_key_in_redis_stops_no_running_replica_and_moves_no_key()
    {
        var gateway = _cluster.Gateway;
        using (var keep = await gateway.AddAsync("""{"n": 1, "hostnames": ["keepme"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, keep.StatusCode);
        }

        var replicas = await ControlPlaneProbe.ReplicasAsync(gateway);
        var processes = ClusterInspection.ReplicaProcesses(_cluster.ClusterId);
        Assert.All(replicas, r => Assert.True(processes.GetValueOrDefault(r.Pid) == r.Name, $"precondition: process {r.Pid} runs {r.Name}"));
        var before = await ControlPlaneProbe.ServeAllAsync(gateway, Keys);
        Assert.All(before.Values, s => Assert.Equal(200, s.Status));

        var stored = (await _redis.CommandAsync("--scan")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        output.WriteLine($"keys in redis:\n  {string.Join("\n  ", stored)}");
        // Orleans' Redis grain storage keys are "{service}/state/{grain id}/{state}"; the RingGrain's id is "ring/default".
        var ringKeys = stored.Where(k => k.StartsWith($"{_cluster.ServiceId}/state/ring/", StringComparison.Ordinal)).ToArray();
        Assert.True(ringKeys.Length > 0, $"precondition: no key of the RingGrain's state among {string.Join(", ", stored)}");
        output.WriteLine($"the ring's keys: {string.Join(", ", ringKeys)}");

        var load = LoadRun.Start(gateway, requests: 200_000, clients: 16, cap: TimeSpan.FromSeconds(10), out var running);
        await Task.Delay(300);
        Assert.Equal(ringKeys.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), await _redis.CommandAsync(["DEL", .. ringKeys]));
        var (addStatus, addBody, addElapsed) = await ControlPlaneAdminInputTests.SendAsync(
            gateway, HttpMethod.Post, "/add", ControlPlaneAdminInputTests.Utf8("""{"n": 1}"""), TimeSpan.FromSeconds(30));
        output.WriteLine($"/add after the ring key was deleted: {addStatus} in {addElapsed.TotalMilliseconds:0} ms: {addBody}");

        // Reconciliation (every 2 s here) has had two chances to stop what it takes for strays.
        await Task.Delay(2 * ReconcileInterval + TimeSpan.FromSeconds(1));
        await running;
        var names = await gateway.GetReplicaNamesAsync();
        var after = await ControlPlaneProbe.ServeAllAsync(gateway, Keys);
        var processesAfter = ClusterInspection.ReplicaProcesses(_cluster.ClusterId);
        output.WriteLine($"{load.Completed} requests, {load.Failures.Count} failed; /rep: {string.Join(", ", names)}");

        var problems = new List<string>();
        if (addStatus != 200)
        {
            problems.Add($"/add {{\"n\": 1}} answered {ControlPlaneAdminInputTests.Describe(addStatus)} {addBody}");
        }

        var stopped = replicas.Where(r => processesAfter.GetValueOrDefault(r.Pid) != r.Name).ToList();
        if (stopped.Count > 0)
        {
            problems.Add($"running replicas were stopped: {string.Join(", ", stopped.Select(r => $"{r.Name} (process {r.Pid})"))}; "
                + $"replica processes now: {string.Join(", ", processesAfter.Select(p => $"{p.Value} ({p.Key})"))}");
        }

        var missing = replicas.Select(r => r.Name).Where(n => !names.Contains(n)).ToList();
        if (missing.Count > 0)
        {
            problems.Add($"missing from /rep: {string.Join(", ", missing)}");
        }

        var added = names.Except(replicas.Select(r => r.Name)).ToList();
        // Adding a replica (slots) moves keys only to the new one.
        var moved = Keys.Where(k => after[k].Status != 200 || (after[k].Replica != before[k].Replica && !added.Contains(after[k].Replica))).ToList();
        if (moved.Count > 0)
        {
            problems.Add($"{moved.Count} of {Keys.Length} keys left their replica for another old one or failed, e.g. "
                + string.Join(", ", moved.Take(5).Select(k => $"{k}: {before[k].Replica} -> {after[k]}")));
        }

        if (load.Failures.Count > 0)
        {
            problems.Add($"{load.Failures.Count} of {load.Completed} proxied requests failed, e.g. {string.Join(" | ", load.Failures.Take(3))}");
        }

        if (problems.Count > 0)
        {
            output.WriteLine(ControlPlaneProbe.ControlPlaneLog(_cluster));
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
