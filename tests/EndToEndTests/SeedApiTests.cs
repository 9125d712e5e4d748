using System.Net;
using System.Text.Json;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>The seed's API, bit-exact, through a real gateway in front of real replicas.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SeedApiTests(ClusterFixture fixture)
{
    private const string InitialRep = """{"message": {"N": 3, "replicas": ["Server 1", "Server 2", "Server 3"]}, "status": "successful"}""";

    private GatewayEndpoint Gateway => fixture.Cluster.Gateway;

    [Fact]
    public async Task Rep_lists_the_initial_replicas_in_the_seed_format()
    {
        using var response = await Gateway.Http.GetAsync("/rep");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(InitialRep, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Home_is_proxied_to_the_replica_named_in_X_Replica()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/home");
        request.Headers.Add("X-Request-Id", "123456");
        using var response = await Gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var replica = response.Headers.GetValues("X-Replica").Single();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal($"Hello from Server: {replica}", body.RootElement.GetProperty("message").GetString());
        Assert.Equal("successful", body.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_request_without_an_id_gets_a_random_six_digit_id_that_routes_it_again_to_the_same_replica()
    {
        using var response = await Gateway.Http.GetAsync("/home");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = response.Headers.GetValues("X-Request-Id").Single();
        Assert.Matches("^[1-9][0-9]{5}$", id);
        Assert.Equal(response.Headers.GetValues("X-Replica").Single(), await Gateway.RouteAsync(id));
    }

    [Fact]
    public async Task The_same_key_goes_to_the_same_replica_through_every_gateway()
    {
        var keys = Enumerable.Range(0, 300).Select(i => $"user-{i}").ToList();

        var first = await fixture.Cluster.Gateways[0].RouteAllAsync(keys);
        var second = await fixture.Cluster.Gateways[1].RouteAllAsync(keys);
        var again = await fixture.Cluster.Gateways[0].RouteAllAsync(keys);

        Assert.Equal(first, second);
        Assert.Equal(first, again);
        Assert.Equal(3, first.Values.Distinct().Count());
    }

    [Fact]
    public async Task A_path_the_replicas_do_not_have_is_the_seeds_400()
    {
        using var response = await Gateway.Http.GetAsync("/other");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(
            """{"message": "<Error> '/other' endpoint does not exist in server replicas", "status": "failure"}""",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Add_lists_old_replicas_first_and_new_ones_in_request_order_and_rm_takes_them_out()
    {
        using var added = await Gateway.AddAsync("""{"n": 2, "hostnames": ["S5", "S4"]}""");
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal(
            """{"message": {"N": 5, "replicas": ["Server 1", "Server 2", "Server 3", "S5", "S4"]}, "status": "successful"}""",
            await added.Content.ReadAsStringAsync());

        // Visible at once through this gateway, and through the other soon after.
        Assert.Equal(5, (await Gateway.GetReplicaNamesAsync()).Count);
        await Eventually.TrueAsync(async () => (await fixture.Cluster.Gateways[1].GetReplicaNamesAsync()).Count == 5, TimeSpan.FromSeconds(10));

        using var removed = await Gateway.RemoveAsync("""{"n": 2, "hostnames": ["S4", "S5"]}""");
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Equal(InitialRep, await removed.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/add", """{"n": 1, "hostnames": ["S5", "S4"]}""", "<Error> Length of hostname list is more than newly added instances")]
    [InlineData("/rm", """{"n": 1, "hostnames": ["Server 1", "Server 2"]}""", "<Error> Length of hostname list is more than removable instances")]
    [InlineData("/add", """{"n": 1, "hostnames": [""", "<Error> Request body is not valid JSON")]
    [InlineData("/add", """[1, 2]""", "<Error> Request body must be a JSON object like {\"n\": 1, \"hostnames\": []}")]
    [InlineData("/add", """{"hostnames": []}""", "<Error> 'n' is required")]
    [InlineData("/add", """{"n": "two"}""", "<Error> 'n' must be an integer")]
    [InlineData("/add", """{"n": 1.5}""", "<Error> 'n' must be an integer")]
    [InlineData("/add", """{"n": 0}""", "<Error> 'n' must be a positive integer")]
    [InlineData("/rm", """{"n": -1}""", "<Error> 'n' must be a positive integer")]
    [InlineData("/add", """{"n": 62}""", "<Error> Adding 62 replicas to 3 would exceed the maximum of 64 replicas")]
    [InlineData("/add", """{"n": 1, "hostnames": ["Server 1"]}""", "<Error> Replica 'Server 1' already exists")]
    [InlineData("/add", """{"n": 1, "hostnames": ["nl\n"]}""", """<Error> Hostname 'nl\n' is not a valid name (1 to 63 printable characters, no '/', not '.' or '..', no control or format characters, no leading or trailing white space)""")]
    [InlineData("/add", """{"n": 1, "hostnames": ["\ud800"]}""", """<Error> Hostname '\uD800' is not a valid name (1 to 63 printable characters, no '/', not '.' or '..', no control or format characters, no leading or trailing white space)""")]
    [InlineData("/add", """{"n": 1, "hostnames": ["api/v2"]}""", """<Error> Hostname 'api/v2' is not a valid name (1 to 63 printable characters, no '/', not '.' or '..', no control or format characters, no leading or trailing white space)""")]
    [InlineData("/add", """{"n": 1, "hostnames": [".."]}""", """<Error> Hostname '..' is not a valid name (1 to 63 printable characters, no '/', not '.' or '..', no control or format characters, no leading or trailing white space)""")]
    [InlineData("/add", """{"n": 2147483647}""", "<Error> 'n' must be between 1 and 1024")]
    [InlineData("/add", """{"n": 1e30}""", "<Error> 'n' must be between 1 and 1024")]
    [InlineData("/add", """{"n": 2, "hostnames": ["dup", "dup"]}""", "<Error> Hostname 'dup' is given more than once")]
    [InlineData("/add", """{"n": 1, "hostnames": [5]}""", "<Error> 'hostnames' must be a list of names")]
    [InlineData("/rm", """{"n": 1, "hostnames": ["nope"]}""", "<Error> Replica 'nope' does not exist")]
    [InlineData("/rm", """{"n": 2, "hostnames": ["Server 1", "Server 1"]}""", "<Error> Hostname 'Server 1' is given more than once")]
    [InlineData("/rm", """{"n": 4}""", "<Error> Cannot remove 4 replicas: only 3 exist")]
    public async Task Bad_input_is_a_400_in_the_seed_shape_and_changes_nothing(string path, string body, string message)
    {
        var before = await RingStateAsync();

        using var response = path == "/add" ? await Gateway.AddAsync(body) : await Gateway.RemoveAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(message, error.RootElement.GetProperty("message").GetString());
        Assert.Equal("failure", error.RootElement.GetProperty("status").GetString());
        Assert.Equal(before, await RingStateAsync());
        Assert.Equal(InitialRep, await Gateway.Http.GetStringAsync("/rep"));
    }

    /// <summary>What a change would alter in <c>/ring</c>: ring, version, algorithm and each replica's name, state and share (not its live rates).</summary>
    private async Task<string> RingStateAsync()
    {
        using var ring = await Gateway.GetJsonAsync("/ring");
        var message = ring.RootElement.GetProperty("message");
        var replicas = message.GetProperty("replicas").EnumerateArray()
            .Select(r => $"{r.GetProperty("name")}:{r.GetProperty("up")}:{r.GetProperty("share")}");
        return $"{message.GetProperty("ring")} v{message.GetProperty("version")} {message.GetProperty("algorithm")} [{string.Join(", ", replicas)}]";
    }

    [Fact]
    public async Task An_existing_hostname_is_rejected_and_changes_nothing()
    {
        using var first = await Gateway.AddAsync("""{"n": 1, "hostnames": ["S20"]}""");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var version = (await Gateway.GetJsonAsync("/ring")).RootElement.GetProperty("message").GetProperty("version").GetInt64();

        using var again = await Gateway.AddAsync("""{"n": 2, "hostnames": ["S21", "S20"]}""");

        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Equal("""{"message": "<Error> Replica 'S20' already exists", "status": "failure"}""", await again.Content.ReadAsStringAsync());
        Assert.Equal(version, (await Gateway.GetJsonAsync("/ring")).RootElement.GetProperty("message").GetProperty("version").GetInt64());
        Assert.Equal(["Server 1", "Server 2", "Server 3", "S20"], await Gateway.GetReplicaNamesAsync());

        using var removed = await Gateway.RemoveAsync("""{"n": 1, "hostnames": ["S20"]}""");
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
    }

    [Fact]
    public async Task Replicas_and_ring_describe_every_replica()
    {
        using var replicas = await Gateway.GetJsonAsync("/replicas");
        var list = replicas.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray().ToList();
        Assert.Equal(3, list.Count);
        Assert.Equal(3, replicas.RootElement.GetProperty("message").GetProperty("N").GetInt32());
        Assert.All(list, r =>
        {
            Assert.StartsWith("http://127.0.0.1:", r.GetProperty("address").GetString());
            Assert.Equal("healthy", r.GetProperty("state").GetString());
            Assert.Equal("process", r.GetProperty("runtime").GetString());
            Assert.True(int.Parse(r.GetProperty("runtimeId").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        });
        Assert.Equal(1.0, list.Sum(r => r.GetProperty("share").GetDouble()), 6);
        Assert.Equal(["server-1", "server-2", "server-3"], list.Select(r => r.GetProperty("dnsName").GetString()));

        using var ring = await Gateway.GetJsonAsync("/ring");
        var message = ring.RootElement.GetProperty("message");
        Assert.Equal("slots", message.GetProperty("algorithm").GetString());
        Assert.True(message.GetProperty("version").GetInt64() >= 1);
        var shares = message.GetProperty("replicas").EnumerateArray().Select(r => r.GetProperty("share").GetDouble()).ToList();
        Assert.Equal(1.0, shares.Sum(), 6);
        Assert.True(shares.Max() / shares.Min() < 1.001, "slot shares are balanced within one slot");
    }

    [Fact]
    public async Task With_an_api_key_admin_changes_need_the_bearer_key()
    {
        var gateway = fixture.ProtectedGateway;

        using var missing = await gateway.AddAsync("""{"n": 1, "hostnames": ["S30"]}""");
        using var wrong = await gateway.AddAsync("""{"n": 1, "hostnames": ["S30"]}""", apiKey: "not-the-key");
        using var wrongRm = await gateway.RemoveAsync("""{"n": 1, "hostnames": ["Server 1"]}""", apiKey: "not-the-key");

        foreach (var response in new[] { missing, wrong, wrongRm })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal(
                """{"message": "<Error> Missing or wrong API key (Authorization: Bearer <key>)", "status": "failure"}""",
                await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(InitialRep, await gateway.Http.GetStringAsync("/rep"));

        using var added = await gateway.AddAsync("""{"n": 1, "hostnames": ["S30"]}""", apiKey: ClusterFixture.ApiKey);
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        using var removed = await gateway.RemoveAsync("""{"n": 1, "hostnames": ["S30"]}""", apiKey: ClusterFixture.ApiKey);
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
    }
}
