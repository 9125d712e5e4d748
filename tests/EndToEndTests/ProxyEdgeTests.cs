using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// The gateway as a proxy on the network, against real replicas: forwarded headers and trusted proxies, the body limit,
/// client faults that must not count against a replica, and the responses the gateway rewrites or retries.
/// </summary>
public sealed class ProxyEdgeTests(ProxyEdgeFixture fixture) : IClassFixture<ProxyEdgeFixture>
{
    private const string ClientFaultLog = "failed on the client's side";

    private LoadBalancerCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Replicas_get_forwarded_headers_and_a_clients_own_claims_are_replaced()
    {
        await WaitAllUpAsync();
        var gateway = fixture.Plain;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/echo-headers");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "shop.example");

        var (replica, headers) = await EchoAsync(gateway, request);

        Assert.Equal("127.0.0.1", headers["X-Forwarded-For"]);
        Assert.Equal("http", headers["X-Forwarded-Proto"]);
        Assert.Equal(gateway.Address.Authority, headers["X-Forwarded-Host"]);
        // The replica is addressed by its own authority; the client's Host went into X-Forwarded-Host.
        Assert.Equal(new Uri((await ReplicasAsync())[replica]).Authority, headers["Host"]);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_the_chain_is_extended_and_the_proxys_view_kept()
    {
        await WaitAllUpAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/echo-headers");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "shop.example");

        var (_, headers) = await EchoAsync(fixture.BehindProxy, request);

        Assert.Equal("203.0.113.7, 127.0.0.1", headers["X-Forwarded-For"]);
        Assert.Equal("https", headers["X-Forwarded-Proto"]);
        Assert.Equal("shop.example", headers["X-Forwarded-Host"]);
    }

    [Fact]
    public async Task ClientIp_keys_are_the_forwarded_client_only_behind_a_trusted_proxy()
    {
        await WaitAllUpAsync();
        var clients = Enumerable.Range(1, 16).Select(i => $"198.51.100.{i}").ToList();
        // Where each address routes as a key, read on the plain gateway through the request id header.
        var expected = await fixture.Plain.RouteAllAsync(clients);
        var peerReplica = await fixture.Plain.RouteAsync("127.0.0.1");
        Assert.True(expected.Values.Distinct().Count() > 1, "precondition: the client addresses spread over several replicas");

        foreach (var client in clients)
        {
            Assert.Equal(expected[client], await EchoReplicaAsync(fixture.BehindProxy, client));
            // Without a trusted proxy, the forwarded address is a claim: every one routes as the peer, 127.0.0.1.
            Assert.Equal(peerReplica, await EchoReplicaAsync(fixture.Plain, client));
        }

        Assert.Equal(peerReplica, await EchoReplicaAsync(fixture.BehindProxy, forwardedFor: null));
    }

    [Fact]
    public async Task A_declared_body_over_the_limit_is_answered_413_before_anything_reaches_a_replica()
    {
        await WaitAllUpAsync();
        var before = await RequestCountsAsync();

        // Headers only: the gateway must answer without waiting for 31 MB it will never take.
        var response = await RawAsync(fixture.Plain, Headers("POST", "/upload", "Content-Length: 31000000"));

        Assert.StartsWith("HTTP/1.1 413 ", response, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Replica", response, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("larger than the gateway takes (30000000 bytes)", response, StringComparison.Ordinal);
        Assert.Equal(before, await RequestCountsAsync());

        // Gateway:MaxRequestBodySize is the limit: under it an upload reaches a replica, over it not.
        using var small = await UploadAsync(fixture.BehindProxy, ProxyEdgeFixture.TrustedGatewayBodyLimit / 2);
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Contains($"\"bytes\": {ProxyEdgeFixture.TrustedGatewayBodyLimit / 2}", await small.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var reached = await RequestCountsAsync();
        using var large = await UploadAsync(fixture.BehindProxy, ProxyEdgeFixture.TrustedGatewayBodyLimit + 1);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        Assert.False(large.Headers.Contains("X-Replica"));
        Assert.Equal(reached, await RequestCountsAsync());
    }

    [Fact]
    public async Task A_chunked_body_growing_past_the_limit_is_cut_off_with_413()
    {
        await WaitAllUpAsync();
        var chunk = new string('a', 10_000);
        var body = new StringBuilder();
        for (var sent = 0; sent <= 2 * ProxyEdgeFixture.TrustedGatewayBodyLimit; sent += chunk.Length)
        {
            body.Append(CultureInfo.InvariantCulture, $"{chunk.Length:x}\r\n{chunk}\r\n");
        }

        var marks = await SuspectMarksAsync(fixture.BehindProxy);

        var response = await RawAsync(fixture.BehindProxy, Headers("POST", "/upload", "Transfer-Encoding: chunked") + body + "0\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 413 ", response, StringComparison.Ordinal);
        Assert.Contains("larger than the gateway takes", response, StringComparison.Ordinal);
        Assert.Equal(marks, await SuspectMarksAsync(fixture.BehindProxy));
    }

    [Fact]
    public async Task Client_faults_are_answered_as_such_and_never_make_a_replica_suspect()
    {
        await WaitAllUpAsync();
        var gateway = fixture.Plain;
        var faults = Count(gateway.Process.Output, ClientFaultLog);
        var marks = await SuspectMarksAsync(gateway);
        var suspectLogs = Count(gateway.Process.Output, "is suspect");

        // Bad chunking: the client's error, a 400, not the replica's 502.
        var badChunk = await RawAsync(gateway, Headers("POST", "/upload", "Transfer-Encoding: chunked") + "5\r\nhello\r\nzz\r\nxx\r\n0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 ", badChunk, StringComparison.Ordinal);
        Assert.Contains("The request body was malformed or ended early", badChunk, StringComparison.Ordinal);

        // An upload the client gives up on half-way, once it reached a replica.
        var before = await RequestCountsAsync();
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, gateway.Address.Port);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(Headers("POST", "/upload", "Content-Length: 1000000")));
            await stream.WriteAsync(new byte[100_000]);
            await Eventually.TrueAsync(
                async () => (await RequestCountsAsync()).Values.Sum() > before.Values.Sum(),
                TimeSpan.FromSeconds(30),
                "the upload reached a replica before the client gave up");
        }

        await Eventually.TrueAsync(
            () => Task.FromResult(Count(gateway.Process.Output, ClientFaultLog) >= faults + 2),
            TimeSpan.FromSeconds(30),
            "the gateway saw both client faults");
        Assert.Equal(marks, await SuspectMarksAsync(gateway));
        Assert.Equal(suspectLogs, Count(gateway.Process.Output, "is suspect"));
        Assert.All(await RingUpAsync(gateway), r => Assert.True(r.Value, $"{r.Key} is down"));
    }

    [Fact]
    public async Task A_compressed_404_is_rewritten_without_the_replicas_body_headers()
    {
        await WaitAllUpAsync();
        using var direct = new HttpClient(new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = DecompressionMethods.None });
        using var original = await direct.GetAsync((await ReplicasAsync()).Values.First() + "/not-found-gzip");
        Assert.Equal(HttpStatusCode.NotFound, original.StatusCode);
        Assert.Equal("gzip", Assert.Single(original.Content.Headers.ContentEncoding));

        // As a browser asks: it would gunzip a body still labelled gzip, and cache one with an ETag.
        using var browser = new HttpClient(new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = DecompressionMethods.All })
        {
            BaseAddress = fixture.Plain.Address,
        };
        using var response = await browser.GetAsync("/not-found-gzip");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("<Error> '/not-found-gzip' endpoint does not exist in server replicas", body.RootElement.GetProperty("message").GetString());
        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Null(response.Headers.ETag);
        Assert.Null(response.Content.Headers.LastModified);
        Assert.Null(response.Content.Headers.Expires);
        Assert.Null(response.Headers.CacheControl);
        Assert.Empty(response.Headers.Vary);
        Assert.True(response.Headers.Contains("X-Replica"));
    }

    [Fact]
    public async Task A_retried_request_keeps_the_cookie_the_key_chain_issued()
    {
        await WaitAllUpAsync();
        var replicas = await ReplicasAsync();
        var (victim, address) = replicas.First();
        using (var http = new HttpClient())
        {
            using var hang = await http.PostAsync(address + "/admin/hang", null);
            Assert.Equal(HttpStatusCode.OK, hang.StatusCode);
        }

        // New clients (no cookie) get random keys; those that land on the hung replica time out there after 1 s and
        // are retried on the next replica.
        HttpResponseMessage? retried = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (retried is null && DateTime.UtcNow < deadline)
        {
            var batch = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => fixture.Retrying.Http.GetAsync("/home")));
            retried = batch.FirstOrDefault(r => r.Headers.Contains("X-Attempts"));
            foreach (var response in batch.Where(r => r != retried))
            {
                response.Dispose();
            }
        }

        Assert.NotNull(retried);
        using (retried)
        {
            Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
            Assert.NotEqual(victim, retried.Headers.GetValues("X-Replica").Single());
            var key = retried.Headers.GetValues("X-Request-Id").Single();
            Assert.True(retried.Headers.TryGetValues("Set-Cookie", out var cookies), "the retried response lost the cookie the key chain issued");
            var cookie = Assert.Single(cookies, c => c.StartsWith("lb=", StringComparison.Ordinal));
            Assert.StartsWith($"lb={key};", cookie, StringComparison.Ordinal);
        }

        // Leave the cluster whole for the other tests: the silo replaces the hung replica.
        await Eventually.TrueAsync(
            async () => (await ReplicasAsync())[victim] != address && (await RingUpAsync(fixture.Plain))[victim],
            TimeSpan.FromSeconds(90),
            $"{victim} was replaced");
    }

    private static string Headers(string method, string path, string extra) =>
        $"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: 424242\r\n{extra}\r\n\r\n";

    /// <summary>Sends <paramref name="request"/> as is and reads until the gateway closes the connection.</summary>
    private static async Task<string> RawAsync(GatewayEndpoint gateway, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, gateway.Address.Port);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        }
        catch (IOException)
        {
            // The gateway may answer and close before it read everything; its answer is still there to read.
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var received = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
                if (IsComplete(received))
                {
                    break;
                }
            }
        }
        catch (IOException) when (received.Length > 0)
        {
        }

        return Encoding.UTF8.GetString(received.ToArray());
    }

    /// <summary>A whole chunked response (the gateway's error bodies are chunked).</summary>
    private static bool IsComplete(MemoryStream received) =>
        Encoding.UTF8.GetString(received.ToArray()).EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal);

    /// <summary>Uploads as curl does a large body: with <c>Expect: 100-continue</c>, so a refusal comes before the body.</summary>
    private static async Task<HttpResponseMessage> UploadAsync(GatewayEndpoint gateway, int bytes)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(new byte[bytes]) };
        request.Headers.ExpectContinue = true;
        request.Headers.Add("X-Request-Id", "424242");
        return await gateway.Http.SendAsync(request);
    }

    private static async Task<(string Replica, Dictionary<string, string> Headers)> EchoAsync(GatewayEndpoint gateway, HttpRequestMessage request)
    {
        using var response = await gateway.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var headers = body.RootElement.GetProperty("headers").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.OrdinalIgnoreCase);
        return (response.Headers.GetValues("X-Replica").Single(), headers);
    }

    private static async Task<string> EchoReplicaAsync(GatewayEndpoint gateway, string? forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/echo-headers");
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return (await EchoAsync(gateway, request)).Replica;
    }

    /// <summary>Requests each replica received (heartbeats aside), asked of the replicas themselves.</summary>
    private async Task<Dictionary<string, long>> RequestCountsAsync()
    {
        using var http = new HttpClient();
        var counts = new Dictionary<string, long>();
        foreach (var (name, address) in await ReplicasAsync())
        {
            using var document = JsonDocument.Parse(await http.GetStringAsync(address + "/request-count"));
            counts[name] = document.RootElement.GetProperty("requests").GetInt64();
        }

        return counts;
    }

    private async Task<Dictionary<string, string>> ReplicasAsync()
    {
        using var replicas = await Cluster.Gateway.GetJsonAsync("/replicas");
        return replicas.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray()
            .ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("address").GetString()!);
    }

    private static async Task<Dictionary<string, bool>> RingUpAsync(GatewayEndpoint gateway)
    {
        using var ring = await gateway.GetJsonAsync("/ring");
        return ring.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray()
            .ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("up").GetBoolean());
    }

    /// <summary>Every replica up in every gateway's ring and answering: a test before may have replaced one.</summary>
    private async Task WaitAllUpAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.TrueAsync(async () =>
        {
            foreach (var gateway in Cluster.Gateways)
            {
                var ring = await RingUpAsync(gateway);
                if (ring.Count != 3 || ring.Values.Any(up => !up))
                {
                    return false;
                }
            }

            foreach (var address in (await ReplicasAsync()).Values)
            {
                try
                {
                    using var heartbeat = await http.GetAsync(address + "/heartbeat");
                    if (!heartbeat.IsSuccessStatusCode)
                    {
                        return false;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    return false;
                }
            }

            return true;
        }, TimeSpan.FromSeconds(40), "every replica is up and answering");
    }

    private static async Task<double> SuspectMarksAsync(GatewayEndpoint gateway)
    {
        var metrics = await gateway.Http.GetStringAsync("/metrics");
        return metrics.Split('\n')
            .Where(l => l.StartsWith("lb_gateway_suspect_marks_total{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    private static int Count(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
