using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.Proxy;

/// <summary>
/// Traffic an operator must be able to trust and see: a request that loops back to the cluster through an application
/// behind it ends at once with 508, and every request leaves one access log line, read here field by field.
/// </summary>
public sealed partial class TrafficTests(TrafficFixture fixture, ITestOutputHelper output) : IClassFixture<TrafficFixture>
{
    private const int LoopRequests = 40;

    [Fact]
    public async Task A_request_that_comes_back_to_the_cluster_is_answered_508_at_once_and_add_refuses_the_gateways_own_address()
    {
        var gateway = fixture.Json;
        var port = gateway.Address.Port;
        var replicas = await gateway.GetReplicaNamesAsync();
        foreach (var own in new[] { $"http://127.0.0.1:{port}", $"http://localhost:{port}", $"http://0.0.0.0:{port}" })
        {
            using var refused = await gateway.AddAsync($$"""{"replicas": [{"name": "self-1", "address": "{{own}}"}]}""");
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal(
                $$"""{"message": "<Error> 'replicas[0].address' '{{own}}' is an address of a gateway of this cluster: requests sent there would come back to it", "status": "failure"}""",
                await refused.Content.ReadAsStringAsync());
        }

        Assert.Equal(replicas, await gateway.GetReplicaNamesAsync());

        // The second gateway's address passes /add, but the replica manager's probe of it carries the cluster's Via
        // entry: its /healthz answers 508, and the replica stays down.
        using (var added = await gateway.AddAsync($$"""{"replicas": [{"name": "gateway-2", "address": "{{fixture.Combined.Address.GetLeftPart(UriPartial.Authority)}}"}]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }

        using (var ring = await gateway.GetJsonAsync("/ring"))
        {
            Assert.False(ring.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray()
                .Single(r => r.GetProperty("name").GetString() == "gateway-2").GetProperty("up").GetBoolean());
        }

        using (var removed = await gateway.RemoveAsync("""{"n": 1, "hostnames": ["gateway-2"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        // An application behind the gateway that proxies to the second gateway: nothing in its address says so.
        using (var added = await gateway.AddAsync($$"""{"replicas": [{"name": "loop-1", "address": "{{fixture.Forwarder.Address}}"}]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }

        try
        {
            var key = await TrafficFixture.KeyOfAsync(gateway, "loop-key", replica => replica == "loop-1");
            var forwardedBefore = fixture.Forwarder.Forwarded;
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = gateway.Address, Timeout = TimeSpan.FromSeconds(5) };
            var clock = Stopwatch.StartNew();
            var responses = await Task.WhenAll(Enumerable.Range(0, LoopRequests).Select(async _ =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/home") { Headers = { { "X-Request-Id", key } } };
                using var response = await client.SendAsync(request);
                return (response.StatusCode, Replica: response.Headers.GetValues("X-Replica").Single(), Retried: response.Headers.Contains("X-Attempts"),
                    Body: await response.Content.ReadAsStringAsync());
            }));
            clock.Stop();

            Assert.All(responses, r => Assert.Equal(((HttpStatusCode)508, "loop-1", false), (r.StatusCode, r.Replica, r.Retried)));
            Assert.StartsWith("{\"message\": \"<Error> Loop detected: ", responses[0].Body, StringComparison.Ordinal);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"{LoopRequests} looped requests took {clock.Elapsed}");
            // Each went round once: out through the application, back into the cluster, and no further.
            Assert.Equal(LoopRequests, fixture.Forwarder.Forwarded - forwardedBefore);
            var connections = ListeningSockets.EstablishedOn(port) + ListeningSockets.EstablishedOn(fixture.Combined.Address.Port);
            output.WriteLine($"{LoopRequests} looped requests: all 508 in {clock.Elapsed.TotalMilliseconds:F0} ms, {connections} connections to the two gateways");
            Assert.True(connections < 4 * LoopRequests, $"{connections} connections to the gateways after {LoopRequests} looped requests");

            // Not held against the replica: its key still goes there.
            using (var again = await TrafficFixture.SendAsync(gateway, "/home", key))
            {
                Assert.Equal(((HttpStatusCode)508, "loop-1"), (again.StatusCode, again.Headers.GetValues("X-Replica").Single()));
            }

            Assert.Contains("came back to the cluster", fixture.Combined.Process.Output, StringComparison.Ordinal);
        }
        finally
        {
            using var removed = await gateway.RemoveAsync("""{"n": 1, "hostnames": ["loop-1"]}""");
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }
    }

    [Fact]
    public async Task Each_request_leaves_one_access_log_line_with_its_client_replica_attempts_status_key_and_times()
    {
        var gateway = fixture.Json;
        var serverKey = await TrafficFixture.KeyOfAsync(fixture.Combined, "log-key", replica => replica.StartsWith("Server ", StringComparison.Ordinal));
        var faultyKey = await TrafficFixture.KeyOfAsync(fixture.Combined, "log-key", replica => replica == "faulty-1");

        string servedBy;
        long bodyBytes;
        using (var served = await TrafficFixture.SendAsync(gateway, "/home?token=secret", serverKey))
        {
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            servedBy = served.Headers.GetValues("X-Replica").Single();
            bodyBytes = (await served.Content.ReadAsByteArrayAsync()).Length;
        }

        using (var missing = await TrafficFixture.SendAsync(gateway, "/no-such-endpoint", serverKey))
        {
            Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        }

        // faulty-1 drops the connection: the request is retried on the next replica in the key's order.
        string retriedOn;
        int retriedStatus;
        using (var retried = await TrafficFixture.SendAsync(gateway, "/reset", faultyKey))
        {
            Assert.Equal("2", retried.Headers.GetValues("X-Attempts").Single());
            retriedOn = retried.Headers.GetValues("X-Replica").Single();
            retriedStatus = (int)retried.StatusCode;
        }

        await gateway.Http.GetStringAsync("/rep");
        const string Refused = """{"replicas": [{"name": "access-log", "address": "http://127.0.0.1:9", "weight": 0}]}""";
        using (var add = await gateway.AddAsync(Refused))
        {
            Assert.Equal(HttpStatusCode.BadRequest, add.StatusCode);
        }

        List<JsonElement> lines = [];
        await Eventually.TrueAsync(() =>
        {
            lines = JsonLines(gateway.Process.Output);
            return Task.FromResult(lines.Any(l => l.GetProperty("path").GetString() == "/add"
                && l.GetProperty("bytes_received").GetInt64() == System.Text.Encoding.UTF8.GetByteCount(Refused)));
        }, TimeSpan.FromSeconds(10), "the access log shows the last request");

        var served200 = LineOf(lines, serverKey, "/home");
        Assert.Equal(("GET", "HTTP/1.1", 200, servedBy, 1, "127.0.0.1"), (served200.GetProperty("method").GetString(), served200.GetProperty("protocol").GetString(),
            served200.GetProperty("status").GetInt32(), served200.GetProperty("replica").GetString(), served200.GetProperty("attempts").GetInt32(),
            served200.GetProperty("client").GetString()));
        Assert.Equal((bodyBytes, 0L), (served200.GetProperty("bytes_sent").GetInt64(), served200.GetProperty("bytes_received").GetInt64()));
        var upstream = served200.GetProperty("upstream_time").GetDouble();
        Assert.InRange(upstream, 0, 5);
        Assert.InRange(served200.GetProperty("request_time").GetDouble(), upstream, 5);
        Assert.InRange(DateTime.Parse(served200.GetProperty("time").GetString()!, null, System.Globalization.DateTimeStyles.RoundtripKind),
            DateTime.UtcNow.AddMinutes(-2), DateTime.UtcNow.AddSeconds(1));

        var rewritten = LineOf(lines, serverKey, "/no-such-endpoint");
        Assert.Equal((400, servedBy, 1), (rewritten.GetProperty("status").GetInt32(), rewritten.GetProperty("replica").GetString(), rewritten.GetProperty("attempts").GetInt32()));

        var retriedLine = LineOf(lines, faultyKey, "/reset");
        Assert.Equal((retriedStatus, retriedOn, 2), (retriedLine.GetProperty("status").GetInt32(), retriedLine.GetProperty("replica").GetString(),
            retriedLine.GetProperty("attempts").GetInt32()));

        var rep = lines.Last(l => l.GetProperty("path").GetString() == "/rep");
        Assert.Equal((200, JsonValueKind.Null, JsonValueKind.Null, 0, JsonValueKind.Null), (rep.GetProperty("status").GetInt32(),
            rep.GetProperty("key").ValueKind, rep.GetProperty("replica").ValueKind, rep.GetProperty("attempts").GetInt32(), rep.GetProperty("upstream_time").ValueKind));
        var add400 = lines.Last(l => l.GetProperty("path").GetString() == "/add");
        Assert.Equal(("POST", 400, (long)System.Text.Encoding.UTF8.GetByteCount(Refused)), (add400.GetProperty("method").GetString(),
            add400.GetProperty("status").GetInt32(), add400.GetProperty("bytes_received").GetInt64()));

        // The combined format, in the second gateway's file (with the lines of the requests the keys above were looked up with).
        Assert.DoesNotContain(fixture.Combined.Process.Output.Split('\n'), l => l.StartsWith("127.0.0.1 - - [", StringComparison.Ordinal));
        var combined = File.ReadAllLines(fixture.CombinedLog);
        Assert.NotEmpty(combined);
        Assert.All(combined, line => Assert.Matches(CombinedLine(), line));
        Assert.Contains(combined, line => line.Contains("\"GET /home HTTP/1.1\" 200 ", StringComparison.Ordinal) && line.Contains(" replica=\"Server ", StringComparison.Ordinal)
            && line.Contains(" attempts=1 ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_websocket_through_a_gateway_with_the_access_log_works_and_is_logged_when_it_ends()
    {
        var key = await TrafficFixture.KeyOfAsync(fixture.Combined, "ws-key", replica => replica == "app-1");
        using (var socket = new ClientWebSocket())
        {
            socket.Options.SetRequestHeader("X-Request-Id", key);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await socket.ConnectAsync(new Uri($"ws://{fixture.Json.Address.Authority}/ws"), timeout.Token);
            await socket.SendAsync("hello"u8.ToArray(), WebSocketMessageType.Text, true, timeout.Token);
            var buffer = new byte[256];
            var received = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.Equal("app-1: hello", System.Text.Encoding.UTF8.GetString(buffer, 0, received.Count));
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        }

        JsonElement? line = null;
        await Eventually.TrueAsync(() =>
        {
            line = JsonLines(fixture.Json.Process.Output).Cast<JsonElement?>().FirstOrDefault(l => l!.Value.GetProperty("key").GetString() == key && l.Value.GetProperty("path").GetString() == "/ws");
            return Task.FromResult(line is not null);
        }, TimeSpan.FromSeconds(10), "the WebSocket's line is written once it ends");
        Assert.Equal((101, "app-1", 1), (line!.Value.GetProperty("status").GetInt32(), line.Value.GetProperty("replica").GetString(), line.Value.GetProperty("attempts").GetInt32()));
    }

    private static JsonElement LineOf(List<JsonElement> lines, string key, string path) =>
        Assert.Single(lines, l => l.GetProperty("key").GetString() == key && l.GetProperty("path").GetString() == path);

    private static List<JsonElement> JsonLines(string output) => output.Split('\n')
        .Where(l => l.StartsWith("{\"time\":", StringComparison.Ordinal))
        .Select(l => JsonDocument.Parse(l).RootElement.Clone())
        .ToList();

    [GeneratedRegex("""^127\.0\.0\.1 - - \[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "(GET|POST|PUT|DELETE) [^ "]+ HTTP/1\.1" \d{3} \d+ "[^"]*" "[^"]*" key=("[0-9a-f]{16}"|"-") replica=("[^"]*"|"-") attempts=\d upstream_time=(\d+\.\d{3}|-) request_time=\d+\.\d{3} bytes_received=\d+$""")]
    private static partial Regex CombinedLine();
}
