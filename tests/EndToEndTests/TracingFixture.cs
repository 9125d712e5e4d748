using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// For <see cref="TracingTests"/>: two replicas with their test endpoints on; two gateways with <c>Gateway:Tracing</c>
/// on, one per upstream client, exporting to <see cref="Receiver"/>; one with it off but the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> pointing at <see cref="OffReceiver"/>.
/// </summary>
public sealed class TracingFixture : IAsyncLifetime
{
    public OtlpTraceReceiver Receiver { get; private set; } = null!;

    public OtlpTraceReceiver OffReceiver { get; private set; } = null!;

    /// <summary>Its first gateway traces, with the Sockets upstream client.</summary>
    public LoadBalancerCluster Cluster { get; private set; } = null!;

    public GatewayEndpoint Lean { get; private set; } = null!;

    public GatewayEndpoint Off { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Receiver = await OtlpTraceReceiver.StartAsync();
        OffReceiver = await OtlpTraceReceiver.StartAsync();
        Cluster = await LoadBalancerCluster.StartAsync(
            siloSettings: new Dictionary<string, string> { ["BACKEND_TEST_SWITCHES"] = "1", ["Replicas__InitialCount"] = "2" },
            gatewaySettings: Traced("Sockets"),
            expectedReplicas: 2);
        Lean = await Cluster.StartGatewayAsync(Traced("Lean"));
        // The standard variable alone does not turn tracing on.
        Off = await Cluster.StartGatewayAsync(new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = OffReceiver.Address,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        });
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Receiver.DisposeAsync();
        await OffReceiver.DisposeAsync();
    }

    /// <summary>Tracing on, to the receiver's address without a path (the gateway adds <c>/v1/traces</c>), batches sent every 100 ms; the access log on.</summary>
    private Dictionary<string, string> Traced(string upstreamClient) => new()
    {
        ["Gateway__UpstreamClient"] = upstreamClient,
        ["Gateway__Tracing__OtlpEndpoint"] = Receiver.Address,
        ["Gateway__Tracing__Protocol"] = "HttpProtobuf",
        // Its key, written as a hash, is the one the forwarding span carries.
        ["Gateway__AccessLog__Format"] = "json",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
    };
}
