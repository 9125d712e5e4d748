using System.Net;
using System.Text.Json;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using OpenTelemetry.Proto.Trace.V1;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// OpenTelemetry tracing against a real OTLP/HTTP receiver (<see cref="TracingFixture"/>): a request with a known
/// <c>traceparent</c> through gateways with tracing on and off, to replicas that echo the headers they get.
/// </summary>
public sealed class TracingTests(TracingFixture fixture) : IClassFixture<TracingFixture>
{
    private const string CallerSpanId = "b7ad6b7169203331";
    private const string CallerState = "vendor=opaque,other=1";

    [Fact]
    public async Task A_traced_request_reaches_the_replica_as_a_child_of_the_forwarding_span_with_either_upstream_client()
    {
        foreach (var gateway in new[] { fixture.Cluster.Gateway, fixture.Lean })
        {
            var traceId = NewTraceId();
            const string key = "trace-key-plain";
            var (replica, echoed) = await EchoAsync(gateway, traceId, key);

            var parts = echoed.GetProperty("traceparent").GetString()!.Split('-');
            Assert.Equal(["00", traceId, "01"], [parts[0], parts[1], parts[3]]);
            Assert.NotEqual(CallerSpanId, parts[2]);
            Assert.Equal(CallerState, echoed.GetProperty("tracestate").GetString());

            await Eventually.TrueAsync(
                () => Task.FromResult(fixture.Receiver.Trace(traceId).Count >= 2), TimeSpan.FromSeconds(10), "the gateway's two spans reach the receiver");
            var spans = fixture.Receiver.Trace(traceId);
            var server = Assert.Single(spans, s => s.Span.Kind == Span.Types.SpanKind.Server);
            var forward = Assert.Single(spans, s => s.Span.Kind == Span.Types.SpanKind.Client);
            Assert.Equal(CallerSpanId, server.ParentSpanId);
            Assert.Equal(server.SpanId, forward.ParentSpanId);
            Assert.Equal(parts[2], forward.SpanId);
            Assert.Equal("orleans-loadbalancer-gateway", forward.Service);
            Assert.Equal("forward", forward.Span.Name);
            Assert.Equal(replica, forward.Attribute("lb.replica"));
            Assert.Equal("1", forward.Attribute("lb.attempt"));
            Assert.Equal("200", forward.Attribute("http.response.status_code"));
            var keyHash = forward.Attribute("lb.key_hash")!;
            Assert.Matches("^[0-9a-f]{16}$", keyHash);
            await Eventually.TrueAsync(
                () => Task.FromResult(gateway.Process.Output.Contains($"\"key\":\"{keyHash}\"", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(10), "the access log writes the same hash for the key");
            Assert.NotEqual(Status.Types.StatusCode.Error, forward.Span.Status?.Code ?? Status.Types.StatusCode.Unset);
            Assert.DoesNotContain(spans.SelectMany(s => s.Span.Attributes), a => a.Value.StringValue.Contains(key, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task With_tracing_off_no_span_is_sent_and_the_replica_gets_the_callers_traceparent_unchanged()
    {
        var traceId = NewTraceId();
        var (_, echoed) = await EchoAsync(fixture.Off, traceId, "trace-key-off");

        Assert.Equal($"00-{traceId}-{CallerSpanId}-01", echoed.GetProperty("traceparent").GetString());
        Assert.Equal(CallerState, echoed.GetProperty("tracestate").GetString());
        // Many times the gateway's 100 ms batch delay: a span it made would have been sent by now.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal(0, fixture.OffReceiver.Exports);
        Assert.Empty(fixture.Receiver.Trace(traceId));
    }

    private static string NewTraceId() => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

    /// <summary>Sends <c>GET /echo-headers</c> with a sampled <c>traceparent</c>; returns who answered and the headers it got.</summary>
    private static async Task<(string Replica, JsonElement Headers)> EchoAsync(GatewayEndpoint gateway, string traceId, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/echo-headers");
        request.Headers.Add("X-Request-Id", key);
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-{CallerSpanId}-01");
        request.Headers.TryAddWithoutValidation("tracestate", CallerState);
        using var response = await gateway.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var headers = body.RootElement.GetProperty("headers").Clone();
        return (response.Headers.GetValues("X-Replica").Single(), headers);
    }
}
