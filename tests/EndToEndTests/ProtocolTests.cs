using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// HTTP/2 and gRPC on both legs: a real gRPC client through the gateway's h2c endpoint to a real gRPC service on an
/// h2c replica and on an h2 (TLS) replica, routed by the <c>x-user</c> metadata; curl over TLS with HTTP/2 and with
/// HTTP/2 prior knowledge; the protocol on <c>POST /add</c> and <c>GET /replicas</c>.
/// </summary>
public sealed class ProtocolTests(ProtocolFixture fixture) : IClassFixture<ProtocolFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Grpc_unary_and_server_streaming_calls_through_the_h2c_endpoint_reach_the_replica_their_metadata_routes_to()
    {
        await WaitAllUpAsync();
        using var channel = GrpcChannel.ForAddress(fixture.H2cEndpoint);
        var invoker = channel.CreateCallInvoker();
        foreach (var replica in new[] { "grpc", "secure" })
        {
            var key = await KeyForAsync(replica);
            var options = new CallOptions(new Grpc.Core.Metadata { { "x-user", key } }, DateTime.UtcNow.AddSeconds(10));

            var reply = await invoker.AsyncUnaryCall(EchoGrpcService.HelloMethod, null, options, "tester");

            Assert.Equal($"{replica} says hello to tester (x-user {key}, HTTP/2)", reply);
            using var stream = invoker.AsyncServerStreamingCall(EchoGrpcService.CountMethod, null, options, "3");
            var received = new List<string>();
            await foreach (var message in stream.ResponseStream.ReadAllAsync())
            {
                received.Add(message);
            }

            Assert.Equal([$"{replica} 1", $"{replica} 2", $"{replica} 3"], received);
            Assert.Equal(StatusCode.OK, stream.GetStatus().StatusCode);
        }
    }

    [Fact]
    public async Task A_grpc_call_keyed_alice_goes_where_an_http_request_keyed_alice_goes_and_one_keyed_to_the_http1_replica_fails_at_once()
    {
        await WaitAllUpAsync();
        var alice = (await WhoAmIAsync("alice")).Split(' ')[0];
        var web = await KeyForAsync("web");
        using var channel = GrpcChannel.ForAddress(fixture.H2cEndpoint);
        var invoker = channel.CreateCallInvoker();

        // gRPC needs HTTP/2 to the replica: on an http1 replica the call fails with an error, and does not hang.
        var stopwatch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RpcException>(async () => await invoker.AsyncUnaryCall(EchoGrpcService.HelloMethod, null, Keyed(web), "web"));
        Assert.NotEqual(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"the failed call took {stopwatch.Elapsed}");
        if (alice == "web")
        {
            await Assert.ThrowsAsync<RpcException>(async () => await invoker.AsyncUnaryCall(EchoGrpcService.HelloMethod, null, Keyed("alice"), "alice"));
        }
        else
        {
            Assert.StartsWith($"{alice} says hello to alice (x-user alice", await invoker.AsyncUnaryCall(EchoGrpcService.HelloMethod, null, Keyed("alice"), "alice"));
        }
    }

    [Fact]
    public async Task Curl_over_tls_with_http2_reaches_an_http1_and_an_h2_replica()
    {
        await WaitAllUpAsync();
        foreach (var (replica, replicaProtocol) in new[] { ("web", "HTTP/1.1"), ("secure", "HTTP/2") })
        {
            var key = await KeyForAsync(replica);

            var (body, clientProtocol) = await CurlAsync("--http2", "--cacert", fixture.AuthorityFile, "-H", $"x-user: {key}", $"{fixture.TlsEndpoint}whoami");

            Assert.Equal(("2", $"{replica} {replicaProtocol}"), (clientProtocol, body));
        }
    }

    [Fact]
    public async Task Curl_with_http2_prior_knowledge_reaches_the_h2c_replica_through_the_h2c_endpoint()
    {
        await WaitAllUpAsync();
        var key = await KeyForAsync("grpc");

        var (body, clientProtocol) = await CurlAsync("--http2-prior-knowledge", "-H", $"x-user: {key}", $"{fixture.H2cEndpoint}whoami");

        Assert.Equal(("2", "grpc HTTP/2"), (clientProtocol, body));
    }

    [Fact]
    public async Task Replicas_show_their_protocol_and_add_takes_one_or_refuses_a_bad_one()
    {
        await WaitAllUpAsync();
        Assert.Equal(
            [("grpc", "h2c"), ("secure", "h2"), ("web", "http1")],
            (await ReplicasAsync()).Select(r => (r.GetProperty("name").GetString()!, r.GetProperty("protocol").GetString()!)).Order());

        using (var refused = await fixture.Gateway.AddAsync("""{"replicas": [{"name": "bad", "address": "http://127.0.0.1:9", "protocol": "h3"}]}"""))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal(
                """{"message": "<Error> 'replicas[0].protocol' must be \"http1\", \"h2c\" or \"h2\"", "status": "failure"}""",
                await refused.Content.ReadAsStringAsync());
        }

        await using var added = await ProtocolBackend.StartAsync("grpc-added", "h2c");
        using (var response = await fixture.Gateway.AddAsync($$"""{"replicas": [{"name": "grpc-added", "address": "{{added.Address}}", "protocol": "h2c"}]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        try
        {
            // Probed over h2c (an HTTP/1.1 probe would find an HTTP/2-only server dead).
            var status = (await ReplicasAsync()).Single(r => r.GetProperty("name").GetString() == "grpc-added");
            Assert.Equal(("h2c", "healthy"), (status.GetProperty("protocol").GetString(), status.GetProperty("state").GetString()));
            var key = await KeyForAsync("grpc-added");
            Assert.Equal("grpc-added HTTP/2", await WhoAmIAsync(key));
        }
        finally
        {
            using var removed = await fixture.Gateway.RemoveAsync("""{"n": 1, "hostnames": ["grpc-added"]}""");
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        await Eventually.TrueAsync(async () => (await ReplicasAsync()).Count == 3, Bound, "grpc-added leaves the ring");
    }

    private static CallOptions Keyed(string key) => new(new Grpc.Core.Metadata { { "x-user", key } }, DateTime.UtcNow.AddSeconds(10));

    private async Task WaitAllUpAsync() =>
        await Eventually.TrueAsync(async () => (await ReplicasAsync()).All(r => r.GetProperty("state").GetString() == "healthy"), Bound, "every replica is healthy");

    private async Task<List<JsonElement>> ReplicasAsync()
    {
        using var replicas = await fixture.Gateway.GetJsonAsync("/replicas");
        return replicas.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray().Select(r => r.Clone()).ToList();
    }

    /// <summary>A key the gateway routes to <paramref name="replica"/>, found by asking over HTTP/1.1.</summary>
    private async Task<string> KeyForAsync(string replica)
    {
        var deadline = DateTime.UtcNow + Bound;
        for (var i = 0; DateTime.UtcNow < deadline; i++)
        {
            var key = $"user-{i % 500}";
            if ((await WhoAmIAsync(key)).StartsWith(replica + " ", StringComparison.Ordinal))
            {
                return key;
            }
        }

        throw new TimeoutException($"No key reached {replica} within {Bound}");
    }

    private async Task<string> WhoAmIAsync(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami") { Headers = { { "x-user", key } } };
        using var response = await fixture.Gateway.Http.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Runs curl; its body and the HTTP version it spoke (<c>%{http_version}</c>: "2" for HTTP/2).</summary>
    private static async Task<(string Body, string Protocol)> CurlAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(ExternalTool.Require("curl")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-sS", "--max-time", "10", "-w", "\n%{http_version}" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        using var curl = Process.Start(start)!;
        var output = await curl.StandardOutput.ReadToEndAsync();
        var error = await curl.StandardError.ReadToEndAsync();
        await curl.WaitForExitAsync();
        Assert.True(curl.ExitCode == 0, $"curl exited with {curl.ExitCode}: {error}");
        var split = output.LastIndexOf('\n');
        return (output[..split], output[(split + 1)..]);
    }
}
