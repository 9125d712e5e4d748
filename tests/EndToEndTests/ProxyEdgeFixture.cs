using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// A cluster for <see cref="ProxyEdgeTests"/>: replicas with their test endpoints on, and three gateways that differ
/// only in the edge settings under test. <c>/echo-headers</c> routes by <c>ClientIp</c> on the first two.
/// </summary>
public sealed class ProxyEdgeFixture : IAsyncLifetime
{
    public const int TrustedGatewayBodyLimit = 100_000;

    private static readonly Dictionary<string, string> ClientIpRoute = new()
    {
        ["Gateway__Routes__0__PathPrefix"] = "/echo-headers",
        ["Gateway__Routes__0__KeySources__0__Type"] = "ClientIp",
    };

    public LoadBalancerCluster Cluster { get; private set; } = null!;

    /// <summary>Default edge settings: no trusted proxies, Kestrel's 30 MB body limit.</summary>
    public GatewayEndpoint Plain => Cluster.Gateways[0];

    /// <summary>Trusts 127.0.0.1 (so the test itself is a proxy in front of it); a 100 kB body limit.</summary>
    public GatewayEndpoint BehindProxy { get; private set; } = null!;

    /// <summary>Keys from an issued cookie; a replica that does not answer within 1 s is retried, and never skipped.</summary>
    public GatewayEndpoint Retrying { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // A hung replica (a retry test hangs one) is replaced within seconds: DeadAfter and StopGrace are short.
        Cluster = await LoadBalancerCluster.StartAsync(
            siloSettings: new Dictionary<string, string>
            {
                ["BACKEND_TEST_SWITCHES"] = "1", ["Replicas__DeadAfter"] = "00:00:02", ["Replicas__StopGrace"] = "00:00:01",
            },
            gatewaySettings: ClientIpRoute);
        BehindProxy = await Cluster.StartGatewayAsync(new Dictionary<string, string>(ClientIpRoute)
        {
            ["Gateway__TrustedProxies__0"] = "127.0.0.1",
            ["Gateway__MaxRequestBodySize"] = TrustedGatewayBodyLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        Retrying = await Cluster.StartGatewayAsync(new Dictionary<string, string>
        {
            ["Gateway__KeySources__0__Type"] = "Cookie",
            ["Gateway__KeySources__0__Name"] = "lb",
            ["Gateway__KeySources__0__Issue"] = "true",
            ["Gateway__ReplicaTimeout"] = "00:00:01",
            ["Gateway__SuspectFor"] = "00:00:00",
        });
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
