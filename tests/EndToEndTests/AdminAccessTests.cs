using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// Only the owner drives the admin API: no web page in another site (requests as a browser sends them), no DNS-rebound
/// host name, no caller without the key when one is set; and with <c>Admin:Urls</c> the admin API has a port of its own.
/// </summary>
public sealed class AdminAccessTests(AdminAccessFixture fixture) : IClassFixture<AdminAccessFixture>
{
    private const string Json = "application/json";
    private const string CrossSite = """{"message": "<Error> Cross-site requests may not change the load balancer (Origin or Sec-Fetch-Site names another site)", "status": "failure"}""";
    private const string NotJson = """{"message": "<Error> Content-Type must be application/json", "status": "failure"}""";
    private const string NoKey = """{"message": "<Error> Missing or wrong API key (Authorization: Bearer <key>)", "status": "failure"}""";

    /// <summary>Requests that would each change the cluster if they got through.</summary>
    private static readonly (HttpMethod Method, string Path, string Body)[] Changes =
    [
        (HttpMethod.Post, "/add", """{"n": 1, "hostnames": ["csrf1"]}"""),
        (HttpMethod.Delete, "/rm", """{"n": 1, "hostnames": ["Server 1"]}"""),
        (HttpMethod.Put, "/ring/algorithm", """{"algorithm": "maglev"}"""),
    ];

    private GatewayEndpoint Gateway => fixture.Gateway;

    /// <summary><c>{self}</c> in an origin stands for the gateway's own host and port.</summary>
    [Theory]
    [InlineData("the issue's page: text/plain from another site", "text/plain", "http://evil.example", null, 403)]
    [InlineData("a form another site submits", "application/x-www-form-urlencoded", "http://evil.example", "cross-site", 403)]
    [InlineData("a multipart form another site submits", "multipart/form-data; boundary=x", "https://evil.example", "cross-site", 403)]
    [InlineData("JSON fetched by another site", Json, "http://evil.example", "cross-site", 403)]
    [InlineData("JSON from the same host on another port (same site)", Json, "http://127.0.0.1:1", "same-site", 403)]
    [InlineData("JSON from another port, origin only (older browser)", Json, "http://127.0.0.1:1", null, 403)]
    [InlineData("JSON from localhost, which is another origin than 127.0.0.1", Json, "http://localhost:{port}", null, 403)]
    [InlineData("fetch metadata alone", Json, null, "cross-site", 403)]
    [InlineData("fetch metadata alone, same site", Json, null, "same-site", 403)]
    [InlineData("a sandboxed frame (Origin: null)", Json, "null", null, 403)]
    [InlineData("same origin but text/plain", "text/plain", "http://{self}", "same-origin", 415)]
    [InlineData("a tool sending text/plain", "text/plain", null, null, 415)]
    [InlineData("a tool sending a form (curl -d)", "application/x-www-form-urlencoded", null, null, 415)]
    [InlineData("a tool sending no Content-Type", null, null, null, 415)]
    [InlineData("a tool sending another JSON type", "application/json-patch+json", null, null, 415)]
    public async Task A_refused_change_is_refused_on_every_state_changing_endpoint_and_changes_nothing(
        string caller, string? contentType, string? origin, string? fetchSite, int status)
    {
        _ = caller;
        var before = await StateAsync(Gateway);

        foreach (var (method, path, body) in Changes)
        {
            var (actual, text, _) = await SendAsync(Gateway, method, path, body, contentType, BrowserHeaders(Gateway, origin, fetchSite));

            Assert.True(actual == status, $"{method} {path}: expected {status}, got {actual} {text}");
            Assert.Equal(status == 403 ? CrossSite : NotJson, text);
        }

        Assert.Equal(before, await StateAsync(Gateway));
    }

    [Fact]
    public async Task A_page_of_the_gateways_own_origin_and_tools_without_browser_headers_still_change_it()
    {
        var before = await StateAsync(Gateway);

        var (added, addBody, _) = await SendAsync(Gateway, HttpMethod.Post, "/add", """{"n": 1, "hostnames": ["same-origin-1"]}""",
            "application/json; charset=utf-8", BrowserHeaders(Gateway, "http://{self}", "same-origin"));
        Assert.True(added == 200, $"same-origin /add: {added} {addBody}");
        Assert.Contains("same-origin-1", await Gateway.GetReplicaNamesAsync());

        // Reached as localhost, the page's origin is http://localhost:port.
        var localhost = $"localhost:{Gateway.Address.Port}";
        var (removed, removeBody, _) = await SendAsync(Gateway, HttpMethod.Delete, "/rm", """{"n": 1, "hostnames": ["same-origin-1"]}""", "application/json; charset=UTF-8",
            new() { ["Host"] = localhost, ["Origin"] = $"http://{localhost}", ["Sec-Fetch-Site"] = "same-origin" });
        Assert.True(removed == 200, $"same-origin /rm through localhost: {removed} {removeBody}");

        // A tool: curl -H 'Content-Type: application/json', no Origin, no fetch metadata.
        var algorithm = before.Algorithm;
        var other = algorithm == "maglev" ? "ring" : "maglev";
        var (changed, changeBody, _) = await SendAsync(Gateway, HttpMethod.Put, "/ring/algorithm", $$"""{"algorithm": "{{other}}"}""", Json, []);
        Assert.True(changed == 200, $"PUT /ring/algorithm {other}: {changed} {changeBody}");
        var (back, backBody, _) = await SendAsync(Gateway, HttpMethod.Put, "/ring/algorithm", $$"""{"algorithm": "{{algorithm}}"}""", Json, []);
        Assert.True(back == 200, $"PUT /ring/algorithm {algorithm}: {back} {backBody}");

        Assert.Equal(before.Replicas, (await StateAsync(Gateway)).Replicas);
    }

    [Fact]
    public async Task On_loopback_admin_paths_answer_only_loopback_host_names_and_proxied_paths_any_host()
    {
        var port = Gateway.Address.Port;
        var before = await StateAsync(Gateway);
        var rebound = $"rebind.attacker.example:{port}";
        var refusal = """{"message": "<Error> Host 'rebind.attacker.example' is not served: the admin API listens on loopback only (AllowedHosts lists the host names to serve)", "status": "failure"}""";

        foreach (var path in new[] { "/rep", "/replicas", "/ring", "/ring/arcs", "/ring/view", "/metrics" })
        {
            var (status, text, _) = await SendAsync(Gateway, HttpMethod.Get, path, null, null, new() { ["Host"] = rebound });
            Assert.True(status == 400, $"GET {path} as {rebound}: {status} {text}");
            Assert.Equal(refusal, text);
        }

        // A rebound page is same-origin with itself, so only the host check stops its change.
        var (added, addText, _) = await SendAsync(Gateway, HttpMethod.Post, "/add", """{"n": 1, "hostnames": ["rebound"]}""", Json,
            new() { ["Host"] = rebound, ["Origin"] = $"http://{rebound}", ["Sec-Fetch-Site"] = "same-origin" });
        Assert.True(added == 400, $"POST /add as {rebound}: {added} {addText}");
        Assert.Equal(before, await StateAsync(Gateway));

        foreach (var host in new[] { $"localhost:{port}", $"LocalHost:{port}", $"127.0.0.1:{port}", $"[::1]:{port}", "localhost" })
        {
            var (status, text, _) = await SendAsync(Gateway, HttpMethod.Get, "/rep", null, null, new() { ["Host"] = host });
            Assert.True(status == 200, $"GET /rep as {host}: {status} {text}");
        }

        // Proxied traffic keeps arriving under any name (a proxy in front of the gateway passes the public one).
        var (home, homeText, headers) = await SendAsync(Gateway, HttpMethod.Get, "/home", null, null, new() { ["Host"] = "shop.example.com" });
        Assert.True(home == 200, $"GET /home as shop.example.com: {home} {homeText}");
        Assert.True(headers.Contains("X-Replica"));
    }

    [Fact]
    public async Task Allowed_hosts_replaces_the_loopback_names_and_as_in_asp_net_filters_every_path()
    {
        var port = FreePort.Next();
        await using var process = await StartAsync("gateway-allowed-hosts", new()
        {
            ["Urls"] = $"http://127.0.0.1:{port}",
            ["AllowedHosts"] = "lb.test;127.0.0.1",
        });
        var gateway = process.Gateway;

        Assert.Equal(200, (await SendAsync(gateway, HttpMethod.Get, "/rep", null, null, new() { ["Host"] = $"lb.test:{port}" })).Status);
        Assert.Equal(200, (await SendAsync(gateway, HttpMethod.Get, "/home", null, null, new() { ["Host"] = "lb.test" })).Status);
        Assert.Equal(400, (await SendAsync(gateway, HttpMethod.Get, "/rep", null, null, new() { ["Host"] = $"localhost:{port}" })).Status);
        Assert.Equal(400, (await SendAsync(gateway, HttpMethod.Get, "/home", null, null, new() { ["Host"] = "shop.example.com" })).Status);
    }

    [Fact]
    public async Task With_a_key_the_site_is_checked_first_then_the_key_then_the_body_type()
    {
        const string key = "admin-access-key-5c1e";
        var port = FreePort.Next();
        await using var process = await StartAsync("gateway-key", new() { ["Urls"] = $"http://127.0.0.1:{port}", ["Admin__ApiKey"] = key });
        var gateway = process.Gateway;
        var before = await StateAsync(gateway);
        const string body = """{"n": 1, "hostnames": ["keyed-1"]}""";
        var bearer = new Dictionary<string, string> { ["Authorization"] = "Bearer " + key };

        var (status, text, headers) = await SendAsync(gateway, HttpMethod.Post, "/add", body, Json, []);
        Assert.Equal((401, NoKey), (status, text));
        Assert.Contains("Bearer", string.Join(",", headers.GetValues("WWW-Authenticate")));
        Assert.Equal((401, NoKey), Pair(await SendAsync(gateway, HttpMethod.Post, "/add", body, Json, new() { ["Authorization"] = "Bearer wrong" })));
        Assert.Equal((401, NoKey), Pair(await SendAsync(gateway, HttpMethod.Post, "/add", body, "text/plain", [])));
        Assert.Equal((403, CrossSite), Pair(await SendAsync(gateway, HttpMethod.Post, "/add", body, Json,
            new(bearer) { ["Origin"] = "http://evil.example", ["Sec-Fetch-Site"] = "cross-site" })));
        Assert.Equal((415, NotJson), Pair(await SendAsync(gateway, HttpMethod.Post, "/add", body, "text/plain", bearer)));
        Assert.Equal(before, await StateAsync(gateway));

        // Reads stay open; HTTP Basic with the key as password is the same key.
        Assert.Equal(200, (await SendAsync(gateway, HttpMethod.Get, "/replicas", null, null, [])).Status);
        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("anyone:" + key));
        var (added, addText, _) = await SendAsync(gateway, HttpMethod.Post, "/add", body, Json, new() { ["Authorization"] = basic });
        Assert.True(added == 200, $"/add with Basic: {added} {addText}");
        var (removed, removeText, _) = await SendAsync(gateway, HttpMethod.Delete, "/rm", body, Json, bearer);
        Assert.True(removed == 200, $"/rm with Bearer: {removed} {removeText}");
    }

    [Fact]
    public async Task With_admin_urls_the_traffic_port_proxies_every_path_and_the_admin_port_serves_the_seed_api()
    {
        var trafficPort = FreePort.Next();
        var adminUrl = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        await using var process = await StartAsync(
            "gateway-admin-urls",
            new() { ["Urls"] = $"http://127.0.0.1:{trafficPort}", ["Admin__Urls"] = adminUrl.ToString().TrimEnd('/') },
            adminUrl);
        var admin = process.Gateway;
        using var trafficClient = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://127.0.0.1:{trafficPort}") };
        var traffic = new GatewayEndpoint(process.Process, trafficClient.BaseAddress);
        var before = await StateAsync(admin);

        // The seed's /rep, byte for byte as the single-port gateway answers it.
        var (rep, repText, _) = await SendAsync(admin, HttpMethod.Get, "/rep", null, null, []);
        Assert.Equal(200, rep);
        Assert.Equal((await SendAsync(Gateway, HttpMethod.Get, "/rep", null, null, [])).Body, repText);

        // On the traffic port the gateway's own paths go to a replica, which has none of them: the seed's 404 rewrite.
        foreach (var (method, path, body) in new[] { (HttpMethod.Get, "/rep", (string?)null), (HttpMethod.Get, "/metrics", null), (HttpMethod.Get, "/ring", null) }
            .Concat(Changes.Select(c => (c.Method, c.Path, (string?)c.Body))))
        {
            var (status, text, headers) = await SendAsync(traffic, method, path, body, body is null ? null : Json, []);
            Assert.True(status == 400, $"{method} {path} on the traffic port: {status} {text}");
            Assert.Equal($$"""{"message": "<Error> '{{path}}' endpoint does not exist in server replicas", "status": "failure"}""", text);
            Assert.True(headers.Contains("X-Replica"), $"{method} {path} on the traffic port was not proxied");
        }

        Assert.Equal(before, await StateAsync(admin));
        Assert.Equal(200, (await SendAsync(traffic, HttpMethod.Get, "/home", null, null, [])).Status);

        // The admin port answers only the admin API, metrics included, and its guard still applies.
        var (home, homeText, _) = await SendAsync(admin, HttpMethod.Get, "/home", null, null, []);
        Assert.Equal(404, home);
        Assert.StartsWith("""{"message": "<Error> No admin endpoint answers 'GET /home' here""", homeText);
        Assert.Contains("orleans_", (await SendAsync(admin, HttpMethod.Get, "/metrics", null, null, [])).Body);
        Assert.Equal((403, CrossSite), Pair(await SendAsync(admin, HttpMethod.Post, "/add", Changes[0].Body, Json, new() { ["Origin"] = "http://evil.example" })));
        Assert.Equal(before, await StateAsync(admin));

        // The gateway image's health check, with the container's environment, asks the admin port: /healthz on the
        // traffic port is a replica's business.
        await using var probe = ManagedProcess.StartDotnet("healthprobe", RepoPaths.HealthProbe,
            new Dictionary<string, string> { ["Urls"] = $"http://0.0.0.0:{trafficPort}", ["Admin__Urls"] = $"http://0.0.0.0:{adminUrl.Port}" },
            "/healthz", "--admin-first");
        Assert.True(await probe.WaitForExitAsync(TimeSpan.FromSeconds(30)) == 0, probe.Output);
        Assert.Contains("/healthz: HTTP/1.1 200 OK", probe.Output);
    }

    private static (int, string) Pair((int Status, string Body, HttpResponseHeaders _) reply) => (reply.Status, reply.Body);

    private static Dictionary<string, string> BrowserHeaders(GatewayEndpoint gateway, string? origin, string? fetchSite)
    {
        var headers = new Dictionary<string, string>
        {
            ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            ["Accept"] = "*/*",
        };
        if (origin is not null)
        {
            headers["Origin"] = origin.Replace("{self}", gateway.Address.Authority, StringComparison.Ordinal)
                .Replace("{port}", gateway.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        }

        if (fetchSite is not null)
        {
            headers["Sec-Fetch-Site"] = fetchSite;
            headers["Sec-Fetch-Mode"] = "cors";
            headers["Sec-Fetch-Dest"] = "empty";
        }

        return headers;
    }

    private static async Task<(int Status, string Body, HttpResponseHeaders Headers)> SendAsync(
        GatewayEndpoint gateway, HttpMethod method, string path, string? body, string? contentType, Dictionary<string, string> headers)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        foreach (var (name, value) in headers)
        {
            if (name == "Host")
            {
                request.Headers.Host = value;
            }
            else
            {
                Assert.True(request.Headers.TryAddWithoutValidation(name, value), name);
            }
        }

        using var response = await gateway.Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers);
    }

    /// <summary>What a change would alter: the replica names, the ring version and its algorithm.</summary>
    private static async Task<ClusterState> StateAsync(GatewayEndpoint gateway)
    {
        var replicas = string.Join(", ", await gateway.GetReplicaNamesAsync());
        using var ring = await gateway.GetJsonAsync("/ring");
        var message = ring.RootElement.GetProperty("message");
        return new ClusterState(replicas, message.GetProperty("version").GetInt64(), message.GetProperty("algorithm").GetString()!);
    }

    private async Task<OwnGateway> StartAsync(string name, Dictionary<string, string> settings, Uri? adminUrl = null) =>
        new(await fixture.StartGatewayAsync(name, settings, adminUrl));

    private sealed record ClusterState(string Replicas, long Version, string Algorithm);

    /// <summary>A gateway a test started for itself, ended with the test.</summary>
    private sealed class OwnGateway(GatewayEndpoint gateway) : IAsyncDisposable
    {
        public GatewayEndpoint Gateway { get; } = gateway;

        public ManagedProcess Process => Gateway.Process;

        public async ValueTask DisposeAsync()
        {
            Gateway.Http.Dispose();
            await Gateway.Process.DisposeAsync();
        }
    }
}
