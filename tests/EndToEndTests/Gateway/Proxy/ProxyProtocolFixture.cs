using Orleans.LoadBalancer.EndToEndTests.Gateway.Proxy.Upstream;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.Proxy;

/// <summary>
/// A cluster for <see cref="ProxyProtocolTests"/> whose replicas are the test's own servers, registered as static
/// external replicas: two Kestrel servers speaking WebSocket and event streams (<c>app-a</c>, <c>app-b</c>) and a raw
/// socket server (<c>raw</c>). Every gateway gives a replica 2 s to start answering; they differ in the stream idle
/// limit and the upstream client.
/// </summary>
public sealed class ProxyProtocolFixture : IAsyncLifetime
{
    public static readonly TimeSpan HeadersLimit = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan StreamIdleLimit = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan UpgradedDrain = TimeSpan.FromSeconds(1);

    /// <summary>A path every replica answers 200, the raw one included (and the external health path).</summary>
    public const string PlainPath = "/raw/ok";

    private static readonly string[] Candidates = Enumerable.Range(0, 200).Select(i => $"proto-key-{i}").ToArray();

    public LoadBalancerCluster Cluster { get; private set; } = null!;

    public ExternalBackend AppA { get; private set; } = null!;

    public ExternalBackend AppB { get; private set; } = null!;

    public RawReplica Raw { get; private set; } = null!;

    /// <summary>SocketsHttpHandler upstream; no stream idle limit.</summary>
    public GatewayEndpoint Sockets => Cluster.Gateways[0];

    /// <summary>The lean upstream client; no stream idle limit.</summary>
    public GatewayEndpoint Lean { get; private set; } = null!;

    /// <summary>SocketsHttpHandler upstream; <see cref="StreamIdleLimit"/>.</summary>
    public GatewayEndpoint IdleLimited { get; private set; } = null!;

    /// <summary>A key each replica owns, by name.</summary>
    public Dictionary<string, string> KeyOf { get; private set; } = [];

    public async Task InitializeAsync()
    {
        AppA = await ExternalBackend.StartAsync("app-a");
        AppB = await ExternalBackend.StartAsync("app-b");
        Raw = new RawReplica();
        var gateway = new Dictionary<string, string>
        {
            ["Gateway__ReplicaTimeout"] = "00:00:02",
            ["Gateway__UpgradedDrainTimeout"] = "00:00:01",
            ["Gateway__UpstreamClient"] = "Sockets",
        };
        Cluster = await LoadBalancerCluster.StartAsync(
            siloSettings: new Dictionary<string, string>
            {
                ["Replicas__InitialCount"] = "0",
                ["Replicas__DrainTimeout"] = "00:00:05",
                ["Replicas__ExternalHealthPath"] = PlainPath,
                ["Replicas__Static__0__Name"] = "app-a",
                ["Replicas__Static__0__Address"] = AppA.Address,
                ["Replicas__Static__1__Name"] = "app-b",
                ["Replicas__Static__1__Address"] = AppB.Address,
                ["Replicas__Static__2__Name"] = "raw",
                ["Replicas__Static__2__Address"] = Raw.Address.ToString().TrimEnd('/'),
            },
            gatewaySettings: gateway,
            expectedReplicas: 3);
        Lean = await Cluster.StartGatewayAsync(new Dictionary<string, string>(gateway) { ["Gateway__UpstreamClient"] = "Lean" });
        IdleLimited = await Cluster.StartGatewayAsync(new Dictionary<string, string>(gateway) { ["Gateway__StreamIdleTimeout"] = "00:00:01" });
        KeyOf = await Sockets.KeyOfEachReplicaAsync(Candidates, 3, PlainPath);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await AppA.DisposeAsync();
        await AppB.DisposeAsync();
        await Raw.DisposeAsync();
    }
}
