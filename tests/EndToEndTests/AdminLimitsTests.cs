using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.LoadBalancer.Gateway.Admin;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>Body limits, table-size limits and free-text replica names through the live admin API.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AdminLimitsTests(ClusterFixture fixture)
{
    private GatewayEndpoint Gateway => fixture.Cluster.Gateway;

    [Fact]
    public async Task Bodies_over_64_KiB_are_a_413_and_one_of_exactly_64_KiB_is_read()
    {
        var version = await VersionAsync();
        var over = Padded("""{"n": 1}""", AdminJson.MaxBodyBytes + 1);

        using var add = await SendAsync(HttpMethod.Post, "/add", Json(over));
        using var rm = await SendAsync(HttpMethod.Delete, "/rm", Json(new ChunkedContent(Padded("""{"n": 1}""", 300_000))));
        using var ring = await SendAsync(HttpMethod.Put, "/ring/algorithm", Json(Padded("""{"algorithm": "maglev"}""", AdminJson.MaxBodyBytes + 1)));
        foreach (var response in new[] { add, rm, ring })
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Equal("""{"message": "<Error> Request body is larger than 65536 bytes", "status": "failure"}""", await response.Content.ReadAsStringAsync());
        }

        using var exact = await SendAsync(HttpMethod.Post, "/add", Json(Padded("""{"n": 1000}""", AdminJson.MaxBodyBytes)));
        Assert.Equal(HttpStatusCode.BadRequest, exact.StatusCode);
        Assert.Contains("Adding 1000 replicas to 3 would exceed the maximum of 64 replicas", await exact.Content.ReadAsStringAsync());
        Assert.Equal(version, await VersionAsync());
    }

    [Fact]
    public async Task A_broken_chunked_body_is_a_client_error_in_the_seed_shape_not_a_5xx()
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Gateway.Address.Port);
        using var stream = client.GetStream();
        await stream.WriteAsync("POST /add HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{\"n\": 1}\r\n0\r\n\r\n"u8.ToArray());

        // The gateway closes the connection after this answer.
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.StartsWith("HTTP/1.1 400 ", response);
        Assert.Contains("""{"message": "<Error> Request body could not be read: """, response);
    }

    [Theory]
    [InlineData("""{"slotCount": 1048577}""", "'slotCount' must be at most 1048576, not 1048577")]
    [InlineData("""{"algorithm": "slots", "slotCount": 16777216}""", "'slotCount' must be at most 1048576, not 16777216")]
    [InlineData("""{"algorithm": "maglev", "maglevTableSize": 1048583}""", "'maglevTableSize' must be at most 1048576, not 1048583")]
    [InlineData("""{"pointsPerReplica": 4097}""", "'pointsPerReplica' must be at most 4096, not 4097")]
    [InlineData("""{"algorithm": "\ud800"}""", "Request body holds a string that is not valid Unicode")]
    [InlineData("""{"algorithm": [[[[[[[[[["maglev"]]]]]]]]]]}""", "Request body is not valid JSON")]
    public async Task Routing_tables_too_large_for_memory_are_refused_and_change_nothing(string body, string message)
    {
        var before = await RingAsync();

        using var response = await SendAsync(HttpMethod.Put, "/ring/algorithm", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("<Error> " + message, error.RootElement.GetProperty("message").GetString());
        Assert.Equal("failure", error.RootElement.GetProperty("status").GetString());
        Assert.Equal(before, await RingAsync());
    }

    [Fact]
    public async Task A_seed_style_name_and_a_non_ascii_name_are_added_serve_and_are_removed()
    {
        using (var added = await Gateway.AddAsync("""{"n": 2, "hostnames": ["Server 4", "Zoë"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
            Assert.Equal(
                """{"message": {"N": 5, "replicas": ["Server 1", "Server 2", "Server 3", "Server 4", "Zoë"]}, "status": "successful"}""",
                await added.Content.ReadAsStringAsync());
        }

        try
        {
            using var replicas = await Gateway.GetJsonAsync("/replicas");
            var dns = replicas.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray()
                .ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("dnsName").GetString()!);
            Assert.Equal("server-1", dns["Server 1"]);
            Assert.Equal("server-4", dns["Server 4"]);
            Assert.Equal("zo", dns["Zoë"]);

            // X-Replica carries the name in UTF-8.
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, ResponseHeaderEncodingSelector = (_, _) => Encoding.UTF8 })
            {
                BaseAddress = Gateway.Address,
            };
            var served = new List<string>();
            for (var i = 0; i < 400 && !(served.Contains("Zoë") && served.Contains("Server 4")); i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/home");
                request.Headers.Add("X-Request-Id", $"zoe-{i}");
                using var response = await http.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var replica = response.Headers.GetValues("X-Replica").Single();
                Assert.Equal($$"""{"message": "Hello from Server: {{replica}}", "status": "successful"}""", await response.Content.ReadAsStringAsync());
                served.Add(replica);
            }

            Assert.Contains("Zoë", served);
            Assert.Contains("Server 4", served);
        }
        finally
        {
            using var removed = await Gateway.RemoveAsync("""{"n": 2, "hostnames": ["Zoë", "Server 4"]}""");
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent content)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        return await Gateway.Http.SendAsync(request);
    }

    private async Task<long> VersionAsync()
    {
        using var ring = await Gateway.GetJsonAsync("/ring");
        return ring.RootElement.GetProperty("message").GetProperty("version").GetInt64();
    }

    private async Task<string> RingAsync()
    {
        using var ring = await Gateway.GetJsonAsync("/ring");
        var message = ring.RootElement.GetProperty("message");
        return $"{message.GetProperty("version")} {message.GetProperty("algorithm")}";
    }

    private static byte[] Padded(string json, int size)
    {
        var bytes = new byte[size];
        Array.Fill(bytes, (byte)' ');
        Encoding.UTF8.GetBytes(json, bytes);
        return bytes;
    }

    private static HttpContent Json(byte[] body) => Json(new ByteArrayContent(body));

    private static HttpContent Json(HttpContent content)
    {
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return content;
    }
}
