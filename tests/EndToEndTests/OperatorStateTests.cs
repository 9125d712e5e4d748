using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>One cluster on the embedded default (the ring in a local file) for <see cref="OperatorStateTests"/>.</summary>
public sealed class OperatorStateFixture : IAsyncLifetime
{
    public LoadBalancerCluster Cluster { get; private set; } = null!;

    public ExternalBackend External { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        External = await ExternalBackend.StartAsync("ext-state");
        Cluster = await LoadBalancerCluster.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await External.DisposeAsync();
    }
}

/// <summary>
/// Operator state survives a silo killed with SIGKILL on the embedded default, and admin changes never lose each
/// other: partial <c>PUT /ring/algorithm</c> bodies merge in the RingGrain's turn, and <c>If-Match</c> guards a
/// read-modify-write.
/// </summary>
public sealed class OperatorStateTests(OperatorStateFixture fixture, ITestOutputHelper output) : IClassFixture<OperatorStateFixture>
{
    private static readonly string[] Keys = Enumerable.Range(0, 2000).Select(i => $"state-{i}").ToArray();

    private LoadBalancerCluster Cluster => fixture.Cluster;

    private GatewayEndpoint Gateway => fixture.Cluster.Gateway;

    [Fact]
    public async Task A_silo_killed_with_weights_a_drain_an_external_replica_and_another_algorithm_comes_back_with_all_of_them_and_no_key_moved()
    {
        await ExpectOkAsync(PutAsync("/ring/algorithm", """{"algorithm": "maglev"}"""));
        await ExpectOkAsync(PutAsync("/replicas/Server%201/weight", """{"weight": 3}"""));
        if (!(await Gateway.GetReplicaNamesAsync()).Contains("ext-state"))
        {
            await ExpectOkAsync(Gateway.AddAsync($$"""{"replicas": [{"name": "ext-state", "address": "{{fixture.External.Address}}", "weight": 2}]}"""));
        }

        await ExpectOkAsync(PutAsync("/replicas/Server%202/state", """{"state": "drain"}"""));
        await AddWithOwnHealthChecksAsync();
        var before = await RingAsync();
        var routesBefore = await Gateway.RouteAllAsync(Keys);
        Assert.Equal("maglev", before.Algorithm);
        Assert.Equal(3, before.Replicas["Server 1"].Weight);
        Assert.True(before.Replicas["Server 2"].Draining);
        Assert.Equal(2, before.Replicas["ext-state"].Weight);

        var clock = Stopwatch.StartNew();
        await Cluster.RestartSiloAsync();
        await Eventually.TrueAsync(AdminAnswersAsync, TimeSpan.FromSeconds(60), "the admin API answers after the silo restarted");
        var adminBack = clock.Elapsed;

        // The restarted activation's snapshot (a higher epoch) reaches the gateway; nothing in it differs.
        await Eventually.TrueAsync(async () => Cluster.Silo.Output.Contains("Ring activated at version", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await Task.Delay(1000);
        var after = await RingAsync();
        var routesAfter = await Gateway.RouteAllAsync(Keys);
        var moved = Keys.Count(k => routesBefore[k] != routesAfter[k]);
        output.WriteLine($"admin API back {adminBack.TotalMilliseconds:0} ms after the kill; ring {after.Id} version {before.Version} -> {after.Version}; "
            + $"{moved} of {Keys.Length} keys moved; replicas {string.Join(", ", after.Replicas.Values.Select(r => $"{r.Name} w{r.Weight}{(r.Draining ? " draining" : "")}"))}");

        Assert.Equal(before.Id, after.Id);
        Assert.Equal(before.Version, after.Version);
        Assert.Equal("maglev", after.Algorithm);
        Assert.Equal(before.Replicas, after.Replicas);
        Assert.Equal(0, moved);
        Assert.Contains($"Ring activated at version {before.Version} (epoch", Cluster.Silo.Output, StringComparison.Ordinal);
        await OwnHealthChecksSurvivedAsync();
    }

    [Fact]
    public async Task A_replica_removed_while_it_drains_a_long_request_is_not_back_after_a_silo_kill_and_the_request_finishes()
    {
        const string victim = "Server 3";
        var routes = await Gateway.RouteAllAsync(Keys.Take(200));
        var key = routes.First(r => r.Value == victim).Key;
        var longRequest = SendLongAsync(key);
        await Eventually.TrueAsync(async () => (await RingAsync()).InFlight(victim) > 0, TimeSpan.FromSeconds(20), "the long request is in flight");
        await ExpectOkAsync(Gateway.RemoveAsync($$"""{"n": 1, "hostnames": ["{{victim}}"]}"""));
        Assert.DoesNotContain(victim, await Gateway.GetReplicaNamesAsync());

        await Cluster.RestartSiloAsync();
        await Eventually.TrueAsync(AdminAnswersAsync, TimeSpan.FromSeconds(60), "the admin API answers after the silo restarted");

        // Long enough for the restarted manager's reconciliation and health rounds to have run.
        for (var i = 0; i < 6; i++)
        {
            Assert.DoesNotContain(victim, await Gateway.GetReplicaNamesAsync());
            using var replicas = await Gateway.GetJsonAsync("/replicas");
            Assert.DoesNotContain(victim, replicas.RootElement.GetRawText(), StringComparison.Ordinal);
            await Task.Delay(500);
        }

        // The restarted manager finds it running outside the ring and drains it as /rm would have: the request finishes.
        var (status, replica) = await longRequest;
        output.WriteLine($"the long request on the removed replica ended {(int)status} from {replica}");
        Assert.Equal((HttpStatusCode.OK, victim), (status, replica));
        Assert.Contains($"Draining, then stopping replica {victim}", Cluster.Silo.Output, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => Task.FromResult(Cluster.Silo.Output.Contains($"Replica {victim} is drained", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(15), "the removed replica is stopped once drained");
    }

    [Fact]
    public async Task Concurrent_partial_algorithm_changes_both_take_effect()
    {
        const int trials = 20;
        var lost = new List<string>();
        for (var trial = 0; trial < trials; trial++)
        {
            await ExpectOkAsync(PutAsync("/ring/algorithm", """{"algorithm": "slots", "pointsPerReplica": 256}"""));
            var points = 2 + trial;
            var answers = await Task.WhenAll(
                PutAsync("/ring/algorithm", """{"algorithm": "ring"}"""),
                PutAsync("/ring/algorithm", $$"""{"pointsPerReplica": {{points}}}"""));
            foreach (var answer in answers)
            {
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                answer.Dispose();
            }

            var ring = await RingAsync();
            if (ring.Algorithm != "ring" || ring.PointsPerReplica != points)
            {
                lost.Add($"trial {trial}: {ring.Algorithm} with {ring.PointsPerReplica} points per replica, not ring with {points}");
            }
        }

        Assert.True(lost.Count == 0, $"{lost.Count} of {trials} trials lost a change:\n{string.Join("\n", lost)}");
    }

    [Fact]
    public async Task If_Match_on_another_version_gives_412_and_changes_nothing_and_a_match_succeeds()
    {
        await ExpectOkAsync(PutAsync("/ring/algorithm", """{"algorithm": "slots"}"""));
        var before = await RingAsync();
        var stale = $"\"{before.Version - 1}\"";
        foreach (var ifMatch in new[] { stale, $"W/\"{before.Version}\"", "\"not-a-version\"" })
        {
            using var refused = await PutAsync("/ring/algorithm", """{"algorithm": "maglev"}""", ifMatch);
            var body = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.PreconditionFailed, $"If-Match {ifMatch}: {(int)refused.StatusCode} {body}");
            Assert.StartsWith("{\"message\": \"<Error> ", body, StringComparison.Ordinal);
            Assert.EndsWith("\"status\": \"failure\"}", body, StringComparison.Ordinal);
            Assert.Equal("slots", (await RingAsync()).Algorithm);
        }

        // A read-modify-write as etcd and Kubernetes clients do it: read the ETag, write with it, read again on a 412.
        HttpStatusCode status = 0;
        for (var attempt = 0; attempt < 5 && status != HttpStatusCode.OK; attempt++)
        {
            var current = await RingAsync();
            using var written = await PutAsync("/ring/algorithm", """{"algorithm": "maglev"}""", current.ETag);
            status = written.StatusCode;
            if (status == HttpStatusCode.OK)
            {
                using var answer = JsonDocument.Parse(await written.Content.ReadAsStringAsync());
                var version = answer.RootElement.GetProperty("message").GetProperty("version").GetInt64();
                Assert.Equal($"\"{version}\"", written.Headers.ETag?.ToString());
                Assert.True(version > current.Version);
            }
        }

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("maglev", (await RingAsync()).Algorithm);
        using var any = await PutAsync("/ring/algorithm", """{"algorithm": "slots"}""", "*");
        Assert.Equal(HttpStatusCode.OK, any.StatusCode);
    }

    /// <summary>
    /// Two replicas of the same server whose <c>/ready</c> answers 204, each with its own health check: with 204 expected
    /// it is healthy, with 200 it is down. A check that breaks a rule is refused with 400.
    /// </summary>
    private async Task AddWithOwnHealthChecksAsync()
    {
        var address = fixture.External.Address;
        fixture.External.ReadyStatus = 204;
        using (var refused = await Gateway.AddAsync($$"""{"replicas": [{"name": "ext-bad", "address": "{{address}}", "healthPath": "ready"}]}"""))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal(
                """{"message": "<Error> 'replicas[0].healthPath' must be a path that starts with '/', of at most 256 visible ASCII characters (no spaces or '#'), not 'ready'", "status": "failure"}""",
                await refused.Content.ReadAsStringAsync());
        }

        if (!(await Gateway.GetReplicaNamesAsync()).Contains("ext-ready"))
        {
            await ExpectOkAsync(Gateway.AddAsync($$"""
                {"replicas": [
                  {"name": "ext-ready", "address": "{{address}}", "healthPath": "/ready", "healthStatus": 204},
                  {"name": "ext-strict", "address": "{{address}}", "healthPath": "/ready", "healthStatus": "200"}]}
                """));
        }

        await Eventually.TrueAsync(async () => await UpAsync("ext-ready") && !await UpAsync("ext-strict"), TimeSpan.FromSeconds(15), "ext-ready up, ext-strict down");
    }

    /// <summary>After the kill each keeps its check, shown by <c>GET /replicas</c>, and the loop uses it: a failing <c>/ready</c> marks it down.</summary>
    private async Task OwnHealthChecksSurvivedAsync()
    {
        Assert.Equal(("/ready", "204"), await HealthCheckAsync("ext-ready"));
        Assert.Equal(("/ready", "200"), await HealthCheckAsync("ext-strict"));
        Assert.Equal(("/", "200-399"), await HealthCheckAsync("ext-state"));
        Assert.Equal(("/heartbeat", "200-299"), await HealthCheckAsync("Server 1"));
        Assert.True(await UpAsync("ext-ready"));

        fixture.External.ReadyStatus = 503;
        try
        {
            await Eventually.TrueAsync(async () => !await UpAsync("ext-ready"), TimeSpan.FromSeconds(15), "ext-ready is marked down when /ready fails");
            Assert.True(await UpAsync("ext-state"), "the same server's GET / still answers 200: ext-state, on the default check, stays up");
        }
        finally
        {
            fixture.External.ReadyStatus = 204;
        }

        await ExpectOkAsync(Gateway.RemoveAsync("""{"n": 2, "hostnames": ["ext-ready", "ext-strict"]}"""));
    }

    private async Task<(string? Path, string? Status)> HealthCheckAsync(string name)
    {
        using var replicas = await Gateway.GetJsonAsync("/replicas");
        var replica = replicas.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray().Single(r => r.GetProperty("name").GetString() == name);
        return (replica.GetProperty("healthPath").GetString(), replica.GetProperty("healthStatus").GetString());
    }

    private async Task<bool> UpAsync(string name)
    {
        using var ring = await Gateway.GetJsonAsync("/ring");
        return ring.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray()
            .Single(r => r.GetProperty("name").GetString() == name).GetProperty("up").GetBoolean();
    }

    private async Task<bool> AdminAnswersAsync()
    {
        try
        {
            using var response = await Gateway.Http.GetAsync("/replicas");
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private Task<HttpResponseMessage> PutAsync(string path, string json, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return Gateway.Http.SendAsync(request);
    }

    private static async Task ExpectOkAsync(Task<HttpResponseMessage> sent)
    {
        using var response = await sent;
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<(HttpStatusCode Status, string? Replica)> SendLongAsync(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/work/9000");
        request.Headers.Add("X-Request-Id", key);
        try
        {
            using var response = await Gateway.Http.SendAsync(request);
            return (response.StatusCode, response.Headers.TryGetValues("X-Replica", out var values) ? values.Single() : null);
        }
        catch (HttpRequestException ex)
        {
            return (0, ex.Message);
        }
    }

    private async Task<Ring> RingAsync()
    {
        using var response = await Gateway.Http.GetAsync("/ring");
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var message = document.RootElement.GetProperty("message");
        var replicas = message.GetProperty("replicas").EnumerateArray().Select(r => new RingReplica(
            r.GetProperty("name").GetString()!, r.GetProperty("weight").GetInt32(), r.GetProperty("draining").GetBoolean(), r.GetProperty("inflight").GetInt32()));
        var version = message.GetProperty("version").GetInt64();
        Assert.Equal($"\"{version}\"", response.Headers.ETag?.ToString());
        return new Ring(
            message.GetProperty("ring").GetString()!, version, message.GetProperty("algorithm").GetString()!,
            message.GetProperty("settings").GetProperty("pointsPerReplica").GetInt32(),
            replicas.ToDictionary(r => r.Name), response.Headers.ETag!.ToString());
    }

    private sealed record RingReplica(string Name, int Weight, bool Draining, int InFlight)
    {
        public bool Equals(RingReplica? other) => other is not null && (Name, Weight, Draining) == (other.Name, other.Weight, other.Draining);

        public override int GetHashCode() => HashCode.Combine(Name, Weight, Draining);
    }

    private sealed record Ring(string Id, long Version, string Algorithm, int PointsPerReplica, Dictionary<string, RingReplica> Replicas, string ETag)
    {
        public int InFlight(string name) => Replicas.TryGetValue(name, out var replica) ? replica.InFlight : 0;
    }
}
