using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>The health loop replaces a dead replica while an admin change is still waiting for a slow replica.</summary>
public sealed class ControlPlaneHealthLoopTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string SlowName = "slow-heartbeat-1";

    private static readonly string[] Keys = Enumerable.Range(0, 300).Select(i => $"hl-{i}").ToArray();

    /// <summary>How long the added replica's heartbeat says 503: the replacement takes 2–4 s, on a busy machine too.</summary>
    private const int SlowHeartbeatSeconds = 8;

    private LoadBalancerCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await LoadBalancerCluster.StartAsync(
        // Replicas inherit the silo's environment, so the switches reach them. The start timeout outlasts the slow heartbeat.
        siloSettings: new Dictionary<string, string>
        {
            ["BACKEND_TEST_SWITCHES"] = "1",
            ["BACKEND_SLOW_HEARTBEAT_SECONDS"] = SlowHeartbeatSeconds.ToString(CultureInfo.InvariantCulture),
            ["Replicas__StartTimeout"] = "00:00:40",
        },
        // A suspect mark longer than the test: the victim's keys come back because the ring names a new address, not because the mark ran out.
        gatewaySettings: new Dictionary<string, string> { ["Gateway__ReplicaTimeout"] = "00:00:01", ["Gateway__SuspectFor"] = "00:00:30" });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_replica_killed_during_a_slow_add_is_replaced_before_the_add_returns()
    {
        await AssertSlowHeartbeatSwitchAsync();
        var gateway = _cluster.Gateway;
        var before = await ControlPlaneProbe.ServeAllAsync(gateway, Keys);
        Assert.All(before.Values, s => Assert.Equal(200, s.Status));
        const string victim = "Server 2";
        var victimKeys = Keys.Where(k => before[k].Replica == victim).Take(20).ToList();
        Assert.NotEmpty(victimKeys);
        var victimPid = (await ControlPlaneProbe.ReplicasAsync(gateway)).Single(r => r.Name == victim).Pid;

        var load = LoadRun.Start(gateway, requests: 200_000, clients: 16, cap: TimeSpan.FromSeconds(SlowHeartbeatSeconds + 4), out var running);
        await Task.Delay(300);
        var clock = Stopwatch.StartNew();
        var add = gateway.AddAsync($$"""{"n": 1, "hostnames": ["{{SlowName}}"]}""");
        TimeSpan? addReturned = null;
        _ = add.ContinueWith(_ => addReturned = clock.Elapsed, TaskScheduler.Default);

        // The add is under way once a process answers as slow-heartbeat-1 (its heartbeat still says 503).
        int? slowPid = null;
        while (slowPid is null && !add.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            slowPid = await ControlPlaneProbe.ProcessAnsweringAsAsync(_cluster.ClusterId, SlowName);
            await Task.Delay(50);
        }

        Assert.True(slowPid is not null && !add.IsCompleted,
            $"precondition: the /add of {SlowName} should still be waiting for its heartbeat once its process runs; "
            + $"process found: {slowPid?.ToString(CultureInfo.InvariantCulture) ?? "none"}, /add returned after {addReturned?.TotalSeconds:0.0} s");

        await ControlPlaneProbe.KillAsync(victimPid);
        var killed = clock.Elapsed;
        output.WriteLine($"{killed.TotalSeconds:0.00} s: killed {victim} (process {victimPid}) while the /add of {SlowName} (process {slowPid}) waits");

        // Served by a new process under the same name: the old one is gone, so an answer as the victim comes from its
        // replacement. Any key will do (the ring swaps at once), and once the add is in, some keys move to slow-heartbeat-1.
        var (replaced, addPendingWhenReplaced, last) = await ControlPlaneProbe.WaitServedByAsync(gateway, victimKeys, victim, clock, TimeSpan.FromSeconds(35), add);

        using var added = await add.WaitAsync(TimeSpan.FromSeconds(45));
        addReturned ??= clock.Elapsed;
        var addBody = await added.Content.ReadAsStringAsync();
        var names = await gateway.GetReplicaNamesAsync();
        await running;
        output.WriteLine($"replacement served at {replaced?.TotalSeconds:0.00} s, /add returned at {addReturned?.TotalSeconds:0.00} s ({(int)added.StatusCode}); "
            + $"{load.Completed} requests, {load.Failures.Count} failed; {load.Summary()}");

        var problems = new List<string>();
        if (replaced is null)
        {
            problems.Add($"{victim} was never served again by a new process within 35 s; its keys went to: {string.Join(", ", last.Values.Distinct())}");
        }
        else if (!addPendingWhenReplaced)
        {
            problems.Add($"the health loop waited behind the slow /add: {victim} (killed at {killed.TotalSeconds:0.0} s) served again only at "
                + $"{replaced.Value.TotalSeconds:0.0} s, after the /add of {SlowName} returned at {addReturned?.TotalSeconds:0.0} s");
        }

        if (added.StatusCode != HttpStatusCode.OK || !names.Contains(SlowName))
        {
            problems.Add($"the slow /add answered {(int)added.StatusCode} {addBody}; /rep: {string.Join(", ", names)}");
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

    /// <summary>The BackendServer switch the test depends on: a replica named slow-heartbeat… answers /heartbeat with 503 at first.</summary>
    private static async Task AssertSlowHeartbeatSwitchAsync()
    {
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        await using var probe = ManagedProcess.StartDotnet("slow-heartbeat-probe", RepoPaths.BackendServer,
            new Dictionary<string, string> { ["BACKEND_TEST_SWITCHES"] = "1", ["SERVER_ID"] = "slow-heartbeat-probe" }, "--urls", url);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                using var home = await http.GetAsync(url + "/home");
                return home.IsSuccessStatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(20), "the BackendServer probe process serves");
        using var heartbeat = await http.GetAsync(url + "/heartbeat");
        Assert.True(heartbeat.StatusCode == HttpStatusCode.ServiceUnavailable,
            $"precondition: with BACKEND_TEST_SWITCHES=1 a replica named slow-heartbeat-… must answer /heartbeat with 503 for its first "
            + $"BACKEND_SLOW_HEARTBEAT_SECONDS (15) s; this BackendServer answered {(int)heartbeat.StatusCode} (merge the switch from branch 'bounded')");
    }
}

/// <summary>
/// Malformed <c>/add</c> bodies over HTTP: each rejected with the seed's 400 (or 413) at once (a bound a loaded machine
/// meets; milliseconds on a quiet one), changing nothing.
/// One embedded cluster for the class.
/// </summary>
public sealed class ControlPlaneAdminInputTests(ControlPlaneAdminInputTests.Fixture fixture) : IClassFixture<ControlPlaneAdminInputTests.Fixture>
{
    internal static readonly TimeSpan AnswerWithin = TimeSpan.FromSeconds(5);

    private GatewayEndpoint Gateway => fixture.Cluster.Gateway;

    public static TheoryData<string> BadBodies => new(Bodies.Keys);

    private static readonly Dictionary<string, byte[]> Bodies = new()
    {
        ["n-1e30"] = Utf8("""{"n": 1e30}"""),
        ["newline-in-name"] = Utf8("""{"n":1,"hostnames":["nl\n"]}"""),
        ["tab-in-name"] = Utf8("""{"n":1,"hostnames":["tab\tname"]}"""),
        ["nul-in-name"] = Utf8("""{"n":1,"hostnames":["nul\u0000"]}"""),
        ["lone-surrogate-in-name"] = Utf8("""{"n":1,"hostnames":["\ud800"]}"""),
        // 0xC3 0x28: a two-byte lead followed by an ASCII byte, never valid UTF-8.
        ["invalid-utf8-in-name"] = [.. Utf8("""{"n":1,"hostnames":["bad"""), 0xC3, 0x28, .. Utf8("""name"]}""")],
        ["64-character-name"] = Utf8($$"""{"n":1,"hostnames":["{{new string('a', 64)}}"]}"""),
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_malformed_add_is_answered_400_at_once_and_changes_nothing(string body)
    {
        var before = await Gateway.Http.GetStringAsync("/rep");
        var (status, text, elapsed) = await SendAsync(Gateway, HttpMethod.Post, "/add", Bodies[body], TimeSpan.FromSeconds(10));

        var problems = new List<string>();
        if (status != 400)
        {
            problems.Add($"answered {Describe(status)} {text}, expected 400");
        }
        else if (!IsSeedError(text))
        {
            problems.Add($"400 body is not the seed's error shape {{\"message\": \"<Error> …\", \"status\": \"failure\"}}: {text}");
        }

        if (elapsed > AnswerWithin)
        {
            problems.Add($"answered after {elapsed.TotalMilliseconds:0} ms, expected within {AnswerWithin.TotalMilliseconds:0} ms");
        }

        var after = await Gateway.Http.GetStringAsync("/rep");
        if (after != before)
        {
            problems.Add($"/rep changed from {before} to {after}");
        }

        Assert.True(problems.Count == 0, $"/add {body}: {string.Join("; ", problems)}");
    }

    [Fact]
    public async Task An_add_body_over_64_KiB_is_answered_413_and_changes_nothing()
    {
        var before = await Gateway.Http.GetStringAsync("/rep");
        // Otherwise a valid add: only its size is wrong.
        var body = Utf8($$"""{"n": 1, "hostnames": ["big-body"], "padding": "{{new string('x', 70 * 1024)}}"}""");
        var (status, text, elapsed) = await SendAsync(Gateway, HttpMethod.Post, "/add", body, TimeSpan.FromSeconds(10));
        var after = await Gateway.Http.GetStringAsync("/rep");

        Assert.True(status == 413 && elapsed <= AnswerWithin && after == before,
            $"/add with a {body.Length / 1024} KiB body: answered {Describe(status)} {text} after {elapsed.TotalMilliseconds:0} ms "
            + $"(expected 413 within {AnswerWithin.TotalMilliseconds:0} ms); /rep before {before}, after {after}");
    }

    [Fact]
    public async Task A_name_with_a_space_like_the_seeds_own_is_added_and_removed()
    {
        var (added, addText, _) = await SendAsync(Gateway, HttpMethod.Post, "/add", Utf8("""{"n":1,"hostnames":["Server 9"]}"""), TimeSpan.FromSeconds(30));
        Assert.True(added == 200, $"/add of 'Server 9' answered {Describe(added)} {addText}; the seed itself names replicas 'Server 3'");
        Assert.Contains("Server 9", await Gateway.GetReplicaNamesAsync());

        var (removed, removeText, _) = await SendAsync(Gateway, HttpMethod.Delete, "/rm", Utf8("""{"n":1,"hostnames":["Server 9"]}"""), TimeSpan.FromSeconds(30));
        Assert.True(removed == 200, $"/rm of 'Server 9' answered {Describe(removed)} {removeText}");
        Assert.DoesNotContain("Server 9", await Gateway.GetReplicaNamesAsync());
    }

    internal static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    internal static string Describe(int status) => status == 0 ? "nothing" : status.ToString(CultureInfo.InvariantCulture);

    /// <summary>One request with a raw body; status 0 when no answer came within <paramref name="timeout"/>.</summary>
    internal static async Task<(int Status, string Body, TimeSpan Elapsed)> SendAsync(
        GatewayEndpoint gateway, HttpMethod method, string path, byte[] body, TimeSpan timeout)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body.Length > 0)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

        using var cts = new CancellationTokenSource(timeout);
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await gateway.Http.SendAsync(request, cts.Token);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cts.Token), clock.Elapsed);
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException)
        {
            return (0, $"({ex.GetType().Name})", clock.Elapsed);
        }
    }

    internal static bool IsSeedError(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.GetProperty("status").GetString() == "failure"
                && root.GetProperty("message").GetString() is { } message && message.StartsWith("<Error> ", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public LoadBalancerCluster Cluster { get; private set; } = null!;

        public async Task InitializeAsync() => Cluster = await LoadBalancerCluster.StartAsync();

        public async Task DisposeAsync() => await Cluster.DisposeAsync();
    }
}

/// <summary>
/// <c>{"n": 2147483647}</c> on a cluster of its own: a count the validator must refuse before doing anything with it
/// (3 + int.MaxValue overflows), and a silo that must still answer afterwards.
/// </summary>
public sealed class ControlPlaneHugeCountTests : IAsyncLifetime
{
    private LoadBalancerCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await LoadBalancerCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task An_add_of_int_MaxValue_replicas_is_answered_400_at_once_and_the_silo_stays_responsive()
    {
        var gateway = _cluster.Gateway;
        var before = await gateway.Http.GetStringAsync("/rep");

        var (status, text, elapsed) = await ControlPlaneAdminInputTests.SendAsync(
            gateway, HttpMethod.Post, "/add", ControlPlaneAdminInputTests.Utf8("""{"n": 2147483647}"""), TimeSpan.FromSeconds(10));
        var (replicas, _, replicasElapsed) = await ControlPlaneAdminInputTests.SendAsync(gateway, HttpMethod.Get, "/replicas", [], TimeSpan.FromSeconds(10));
        var after = await gateway.Http.GetStringAsync("/rep");

        var problems = new List<string>();
        if (status != 400 || elapsed > ControlPlaneAdminInputTests.AnswerWithin || !ControlPlaneAdminInputTests.IsSeedError(text))
        {
            problems.Add($"/add {{\"n\": 2147483647}} answered {ControlPlaneAdminInputTests.Describe(status)} {text} after {elapsed.TotalMilliseconds:0} ms, "
                + $"expected the seed's 400 within {ControlPlaneAdminInputTests.AnswerWithin.TotalMilliseconds:0} ms");
        }

        if (replicas != 200)
        {
            problems.Add($"the silo is no longer responsive: /replicas answered {ControlPlaneAdminInputTests.Describe(replicas)} within {replicasElapsed.TotalMilliseconds:0} ms (10 s allowed)");
        }

        if (after != before)
        {
            problems.Add($"/rep changed from {before} to {after}");
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
