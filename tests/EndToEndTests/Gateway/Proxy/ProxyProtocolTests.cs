using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.Proxy;

/// <summary>
/// What real applications behind the gateway do: WebSockets kept open while idle and closed when their replica leaves,
/// event streams with gaps, header values beyond ASCII. Real clients (<see cref="ClientWebSocket"/>, raw sockets) and
/// real servers (<see cref="ExternalBackend"/>, <see cref="Upstream.RawReplica"/>).
/// </summary>
public sealed class ProxyProtocolTests(ProxyProtocolFixture fixture) : IClassFixture<ProxyProtocolFixture>
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(6);

    [Theory]
    [InlineData("sockets")]
    [InlineData("lean")]
    public async Task A_websocket_reaches_its_keys_replica_and_stays_open_while_idle_past_every_limit(string client)
    {
        using var socket = await ConnectAsync(Gateway(client), fixture.KeyOf["app-a"]);
        Assert.Equal("app-a: hello", await EchoAsync(socket, "hello"));

        await Task.Delay(Idle);

        Assert.Equal(WebSocketState.Open, socket.State);
        Assert.Equal("app-a: still here", await EchoAsync(socket, "still here"));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    [Fact]
    public async Task With_a_stream_idle_limit_a_quiet_websocket_is_closed()
    {
        using var socket = await ConnectAsync(fixture.IdleLimited, fixture.KeyOf["app-a"]);
        // The clock starts before the last message: the gateway's idle time starts when it relays the answer, before
        // the answer reaches the test.
        var watch = Stopwatch.StartNew();
        Assert.Equal("app-a: hello", await EchoAsync(socket, "hello"));

        await AssertEndsAsync(socket, TimeSpan.FromSeconds(10));

        Assert.InRange(watch.Elapsed, ProxyProtocolFixture.StreamIdleLimit * 0.8, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_websocket_on_a_drained_replica_is_closed_after_the_drain_time_and_the_replica_back_up_serves_it_again()
    {
        var gateway = fixture.Sockets;
        var key = fixture.KeyOf["app-b"];
        using var socket = await ConnectAsync(gateway, key);
        Assert.Equal("app-b: hello", await EchoAsync(socket, "hello"));
        try
        {
            // The clock starts before the call: the gateway may learn of the drain before the answer reaches the test.
            var watch = Stopwatch.StartNew();
            using (var drained = await PutStateAsync(gateway, "app-b", "drain"))
            {
                Assert.Equal(HttpStatusCode.OK, drained.StatusCode);
            }

            await AssertEndsAsync(socket, TimeSpan.FromSeconds(10));
            Assert.InRange(watch.Elapsed, ProxyProtocolFixture.UpgradedDrain * 0.8, TimeSpan.FromSeconds(10));
        }
        finally
        {
            using var up = await PutStateAsync(gateway, "app-b", "up");
            Assert.Equal(HttpStatusCode.OK, up.StatusCode);
        }

        await Eventually.TrueAsync(async () => await gateway.RouteAsync(key, ProxyProtocolFixture.PlainPath) == "app-b", TimeSpan.FromSeconds(10), "app-b is routed again");
        using var again = await ConnectAsync(gateway, key);
        Assert.Equal("app-b: back", await EchoAsync(again, "back"));
    }

    [Fact]
    public async Task A_websocket_on_a_removed_replica_is_closed_after_the_drain_time()
    {
        var gateway = fixture.Sockets;
        await using var added = await ExternalBackend.StartAsync("app-c");
        using (var response = await gateway.AddAsync($$"""{"replicas": [{"name": "app-c", "address": "{{added.Address}}"}]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        string? key = null;
        await Eventually.TrueAsync(async () =>
        {
            foreach (var candidate in Enumerable.Range(0, 100).Select(i => $"removed-key-{i}"))
            {
                if (await gateway.RouteAsync(candidate, ProxyProtocolFixture.PlainPath) == "app-c")
                {
                    key = candidate;
                    return true;
                }
            }

            return false;
        }, TimeSpan.FromSeconds(15), "app-c serves a key");
        using var socket = await ConnectAsync(gateway, key!);
        Assert.Equal("app-c: hello", await EchoAsync(socket, "hello"));

        // The clock starts before the call: the gateway may learn of the removal before the answer reaches the test.
        var watch = Stopwatch.StartNew();
        using (var removed = await gateway.RemoveAsync("""{"n": 1, "hostnames": ["app-c"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        await AssertEndsAsync(socket, TimeSpan.FromSeconds(10));
        Assert.InRange(watch.Elapsed, ProxyProtocolFixture.UpgradedDrain * 0.8, TimeSpan.FromSeconds(10));
        Assert.DoesNotContain("app-c", await gateway.GetReplicaNamesAsync());
        Assert.NotEqual("app-c", await gateway.RouteAsync(key!, ProxyProtocolFixture.PlainPath));
    }

    [Theory]
    [InlineData("sockets")]
    [InlineData("lean")]
    public async Task A_stream_with_a_gap_longer_than_the_headers_limit_is_not_cut(string client)
    {
        var gap = ProxyProtocolFixture.HeadersLimit + TimeSpan.FromSeconds(1);
        using var request = StreamRequest(gap);
        using var response = await Gateway(client).Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("app-a", response.Headers.GetValues("X-Replica").Single());
        var watch = Stopwatch.StartNew();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        // The first event is passed on as it comes, not held until more arrives.
        Assert.Equal("data: first from app-a", await reader.ReadLineAsync());
        Assert.True(watch.Elapsed < gap - TimeSpan.FromSeconds(0.5), $"the first event took {watch.Elapsed}");
        Assert.Equal("\ndata: second\n\n", await reader.ReadToEndAsync());
    }

    [Theory]
    [InlineData("sockets")]
    [InlineData("lean")]
    public async Task An_upload_taking_longer_than_the_headers_limit_is_not_cut(string client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload")
        {
            Headers = { { "X-Request-Id", fixture.KeyOf["app-a"] } },
            Content = new SlowUpload(ProxyProtocolFixture.HeadersLimit + TimeSpan.FromSeconds(1)),
        };

        using var response = await Gateway(client).Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"app-a received {SlowUpload.Length} bytes", await response.Content.ReadAsStringAsync());
        Assert.False(response.Headers.Contains("X-Attempts"));
    }

    [Fact]
    public async Task With_a_stream_idle_limit_shorter_than_the_gap_the_stream_is_cut()
    {
        using var request = StreamRequest(ProxyProtocolFixture.HeadersLimit + TimeSpan.FromSeconds(1));
        using var response = await fixture.IdleLimited.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var watch = Stopwatch.StartNew();

        await using var body = await response.Content.ReadAsStreamAsync();
        var received = new MemoryStream();
        await Assert.ThrowsAnyAsync<IOException>(() => body.CopyToAsync(received));

        Assert.Equal("data: first from app-a\n\n", Encoding.UTF8.GetString(received.ToArray()));
        // Only the first event arrived: the cut came within the gap. And not before the idle limit ran out.
        Assert.True(watch.Elapsed >= ProxyProtocolFixture.StreamIdleLimit * 0.8, $"cut after {watch.Elapsed}, before the idle limit");
    }

    [Theory]
    [InlineData("sockets")]
    [InlineData("lean")]
    public async Task Header_values_beyond_ascii_and_with_a_tab_reach_the_client_byte_for_byte(string client)
    {
        var gateway = Gateway(client);
        var key = fixture.KeyOf["app-a"];

        var head = await RawHeadAsync(gateway, "/odd-headers", key);

        Assert.True(head.AsSpan().StartsWith("HTTP/1.1 200 OK\r\n"u8), Encoding.Latin1.GetString(head));
        AssertContains(head, Encoding.UTF8.GetBytes($"\r\nContent-Disposition: {ExternalBackend.OddContentDisposition}\r\n"));
        AssertContains(head, Encoding.UTF8.GetBytes($"\r\nLocation: {ExternalBackend.OddLocation}\r\n"));
        AssertContains(head, "\r\nX-Tabbed: left\tright\r\n"u8.ToArray());
        AssertContains(head, "\r\nX-Replica: app-a\r\n"u8.ToArray());
        Assert.DoesNotContain("X-Attempts", Encoding.Latin1.GetString(head), StringComparison.OrdinalIgnoreCase);
        // Not held against the replica: the key stays on it, first time.
        await AssertServedFirstTimeAsync(gateway, key, "app-a");
    }

    [Theory]
    [InlineData("sockets")]
    [InlineData("lean")]
    public async Task A_header_the_gateway_cannot_pass_on_is_a_502_that_is_not_retried_and_leaves_the_replica_alone(string client)
    {
        var gateway = Gateway(client);
        var key = fixture.KeyOf["raw"];
        using var request = new HttpRequestMessage(HttpMethod.Get, "/raw/control-char-header?n=1") { Headers = { { "X-Request-Id", key } } };

        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("raw", response.Headers.GetValues("X-Replica").Single());
        Assert.False(response.Headers.Contains("X-Attempts"));
        Assert.Contains("could not be passed on", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertServedFirstTimeAsync(gateway, key, "raw");
    }

    private GatewayEndpoint Gateway(string client) => client == "lean" ? fixture.Lean : fixture.Sockets;

    private HttpRequestMessage StreamRequest(TimeSpan gap) =>
        new(HttpMethod.Get, $"/stream?gapMs={(int)gap.TotalMilliseconds}") { Headers = { { "X-Request-Id", fixture.KeyOf["app-a"] } } };

    private static async Task<ClientWebSocket> ConnectAsync(GatewayEndpoint gateway, string key)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("X-Request-Id", key);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(new Uri($"ws://{gateway.Address.Authority}/ws"), timeout.Token);
        return socket;
    }

    private static async Task<string> EchoAsync(ClientWebSocket socket, string message)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[4096];
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, received.Count);
    }

    /// <summary>The connection ends (a close, or the TCP connection gone) within <paramref name="within"/>.</summary>
    private static async Task AssertEndsAsync(ClientWebSocket socket, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            var received = await socket.ReceiveAsync(new byte[1024], timeout.Token);
            Assert.Equal(WebSocketMessageType.Close, received.MessageType);
        }
        catch (WebSocketException)
        {
        }

        Assert.False(timeout.IsCancellationRequested, "the connection was still open");
    }

    private static async Task<HttpResponseMessage> PutStateAsync(GatewayEndpoint gateway, string replica, string state)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/replicas/{replica}/state")
        {
            Content = new StringContent($$"""{"state": "{{state}}"}""", Encoding.UTF8, "application/json"),
        };
        return await gateway.Http.SendAsync(request);
    }

    private static async Task AssertServedFirstTimeAsync(GatewayEndpoint gateway, string key, string replica)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, ProxyProtocolFixture.PlainPath) { Headers = { { "X-Request-Id", key } } };
        using var response = await gateway.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(replica, response.Headers.GetValues("X-Replica").Single());
        Assert.False(response.Headers.Contains("X-Attempts"));
    }

    /// <summary>The response head exactly as the gateway sent it, read off a socket.</summary>
    private static async Task<byte[]> RawHeadAsync(GatewayEndpoint gateway, string path, string key)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, gateway.Address.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {gateway.Address.Authority}\r\nX-Request-Id: {key}\r\nConnection: close\r\n\r\n"));
        var all = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await stream.CopyToAsync(all, timeout.Token);
        var bytes = all.ToArray();
        var end = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.True(end > 0, "no complete response head");
        return bytes[..(end + 2)];
    }

    private static void AssertContains(byte[] head, byte[] expected) =>
        Assert.True(head.AsSpan().IndexOf(expected) >= 0, $"'{Encoding.Latin1.GetString(expected)}' not in:\n{Encoding.Latin1.GetString(head)}");

    /// <summary>Two halves of a body, <c>gap</c> apart, with a declared length.</summary>
    private sealed class SlowUpload(TimeSpan gap) : HttpContent
    {
        public const int Length = 2048;

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(new byte[Length / 2]);
            await stream.FlushAsync();
            await Task.Delay(gap);
            await stream.WriteAsync(new byte[Length / 2]);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = Length;
            return true;
        }
    }
}
