using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// Liveness is not readiness: a replica that stops answering (SIGSTOP, as a long GC pause looks from outside) is routed
/// around at once, keeps its process and the requests it holds when it answers again, and is replaced (SIGTERM,
/// <c>Replicas:StopGrace</c>, then a kill) only once it has not answered for <c>Replicas:DeadAfter</c>.
/// </summary>
public sealed class StalledReplicaTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan DeadAfter = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(2);

    private LoadBalancerCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await LoadBalancerCluster.StartAsync(siloSettings: new Dictionary<string, string>
    {
        ["Replicas__DeadAfter"] = DeadAfter.ToString("c", CultureInfo.InvariantCulture),
        ["Replicas__StopGrace"] = StopGrace.ToString("c", CultureInfo.InvariantCulture),
    });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_replica_stopped_for_five_seconds_finishes_its_POST_keeps_its_process_and_its_keys_go_elsewhere_meanwhile()
    {
        const string victim = "Server 1";
        var gateway = _cluster.Gateway;
        var keys = await KeysOfAsync(victim, 2);
        var pid = await ProcessIdAsync(victim);

        var post = PostAsync(gateway, keys[0], workMs: 2000);
        await Eventually.TrueAsync(async () => await InFlightAsync(victim) == 1, TimeSpan.FromSeconds(20), "the POST is in flight on the victim");
        var clock = Stopwatch.StartNew();
        Signal("STOP", pid);
        try
        {
            await Eventually.TrueAsync(async () => !await UpAsync(victim), TimeSpan.FromSeconds(10), "the stopped replica is marked down");
            var down = clock.Elapsed;
            var (status, replica) = await GetAsync(gateway, keys[1]);
            output.WriteLine($"marked down {down.TotalMilliseconds:0} ms after SIGSTOP; GET of its key: {(int)status} from {replica}");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.NotEqual(victim, replica);
            Assert.False(post.IsCompleted, "the POST held by the stopped replica ended while it was stopped");

            await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, 5 - clock.Elapsed.TotalSeconds)));
        }
        finally
        {
            Signal("CONT", pid);
        }

        var (postStatus, postReplica, body) = await post;
        var finished = clock.Elapsed;
        await Eventually.TrueAsync(() => UpAsync(victim), TimeSpan.FromSeconds(10), "the resumed replica is marked up again");
        output.WriteLine($"SIGCONT at 5 s; POST done at {finished.TotalMilliseconds:0} ms ({(int)postStatus} from {postReplica}); up again at {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal((HttpStatusCode.OK, victim), (postStatus, postReplica));
        Assert.Contains($"Server: {victim}", body, StringComparison.Ordinal);
        Assert.Equal(pid, await ProcessIdAsync(victim));
        Assert.True(IsRunning(pid), "the resumed replica's process still runs");
        Assert.Equal(victim, await gateway.RouteAsync(keys[1]));
        Assert.DoesNotContain($"Replacing replica {victim}", _cluster.Silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replica_stopped_for_good_is_replaced_after_DeadAfter_and_its_process_gets_SIGTERM_then_a_kill()
    {
        const string victim = "Server 3";
        var pid = await ProcessIdAsync(victim);
        var sawTerm = false;
        var clock = Stopwatch.StartNew();
        Signal("STOP", pid);
        try
        {
            await Eventually.TrueAsync(async () => !await UpAsync(victim), TimeSpan.FromSeconds(10), "the stopped replica is marked down");
            var down = clock.Elapsed;

            // SIGTERM to a stopped process stays pending (shown in /proc/pid/status) until StopGrace ends and it is killed.
            await Eventually.TrueAsync(() =>
            {
                sawTerm |= TermPending(pid);
                return Task.FromResult(!IsRunning(pid));
            }, DeadAfter + StopGrace + TimeSpan.FromSeconds(20), "the stopped replica's process is ended");
            var gone = clock.Elapsed;

            await Eventually.TrueAsync(async () => await ProcessIdAsync(victim) != pid && await UpAsync(victim), TimeSpan.FromSeconds(30), "the replacement is up");
            output.WriteLine($"marked down {down.TotalMilliseconds:0} ms after SIGSTOP; old process gone at {gone.TotalMilliseconds:0} ms; "
                + $"replacement up at {clock.Elapsed.TotalMilliseconds:0} ms (DeadAfter {DeadAfter.TotalSeconds} s, StopGrace {StopGrace.TotalSeconds} s)");
            Assert.True(sawTerm, "the old process got SIGTERM before it was killed");
            Assert.True(gone >= DeadAfter + StopGrace, $"the old process was ended after {gone.TotalMilliseconds:0} ms, before DeadAfter and StopGrace had passed");
            Assert.Contains($"(process {pid}) did not exit within", _cluster.Silo.Output, StringComparison.Ordinal);
            Assert.Equal(victim, await _cluster.Gateway.RouteAsync((await KeysOfAsync(victim, 1))[0]));
        }
        finally
        {
            if (IsRunning(pid))
            {
                Signal("CONT", pid);
            }
        }
    }

    private static void Signal(string signal, int pid)
    {
        var start = new ProcessStartInfo(ExternalTool.Require("kill")) { UseShellExecute = false };
        start.ArgumentList.Add("-" + signal);
        start.ArgumentList.Add(pid.ToString(CultureInfo.InvariantCulture));
        using var kill = Process.Start(start)!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Neither gone nor a zombie.</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..] is var rest && rest.Length > 0 && rest[0] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM (15) waits in the process's shared pending set.</summary>
    private static bool TermPending(int pid)
    {
        try
        {
            var line = File.ReadAllLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("ShdPnd:", StringComparison.Ordinal));
            return line is not null && (ulong.Parse(line["ShdPnd:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << 14)) != 0;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private async Task<List<string>> KeysOfAsync(string replica, int count)
    {
        var keys = new List<string>();
        for (var i = 0; keys.Count < count; i++)
        {
            var key = $"stall-{i}";
            if (await _cluster.Gateway.RouteAsync(key) == replica)
            {
                keys.Add(key);
            }
        }

        return keys;
    }

    private static async Task<(HttpStatusCode Status, string? Replica, string Body)> PostAsync(GatewayEndpoint gateway, string key, int workMs)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/work/{workMs}")
        {
            Content = new StringContent("{\"order\": \"" + key + "\"}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Request-Id", key);
        using var response = await gateway.Http.SendAsync(request);
        var replica = response.Headers.TryGetValues("X-Replica", out var values) ? values.Single() : null;
        return (response.StatusCode, replica, await response.Content.ReadAsStringAsync());
    }

    private static async Task<(HttpStatusCode Status, string? Replica)> GetAsync(GatewayEndpoint gateway, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/home");
        request.Headers.Add("X-Request-Id", key);
        using var response = await gateway.Http.SendAsync(request);
        return (response.StatusCode, response.Headers.TryGetValues("X-Replica", out var values) ? values.Single() : null);
    }

    private async Task<int> InFlightAsync(string replica)
    {
        using var ring = await _cluster.Gateway.GetJsonAsync("/ring");
        return ring.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray()
            .Where(r => r.GetProperty("name").GetString() == replica).Select(r => r.GetProperty("inflight").GetInt32()).SingleOrDefault();
    }

    private async Task<bool> UpAsync(string replica)
    {
        using var ring = await _cluster.Gateway.GetJsonAsync("/ring");
        return ring.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray()
            .Single(r => r.GetProperty("name").GetString() == replica).GetProperty("up").GetBoolean();
    }

    private async Task<int> ProcessIdAsync(string name)
    {
        using var replicas = await _cluster.Gateway.GetJsonAsync("/replicas");
        var id = replicas.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray()
            .Single(r => r.GetProperty("name").GetString() == name).GetProperty("runtimeId").GetString();
        return int.Parse(id!, CultureInfo.InvariantCulture);
    }
}
