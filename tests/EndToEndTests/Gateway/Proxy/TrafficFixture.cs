using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.Proxy;

/// <summary>
/// A cluster for <see cref="TrafficTests"/>: the three replicas it runs and <c>faulty-1</c> (a static external replica
/// that drops the connection on <c>/reset</c>) and <c>app-1</c> (one that echoes WebSocket messages); a first gateway with the JSON access log (keys as given), a second one
/// with the combined format; and a small forwarding server in front of the second gateway, an application that proxies
/// back to the cluster.
/// </summary>
public sealed class TrafficFixture : IAsyncLifetime
{
    public LoadBalancerCluster Cluster { get; private set; } = null!;

    public FaultyBackend Faulty { get; private set; } = null!;

    public ForwardingServer Forwarder { get; private set; } = null!;

    public ExternalBackend App { get; private set; } = null!;

    /// <summary><c>Gateway:AccessLog:Format=Json</c>, <c>Key=Plain</c>.</summary>
    public GatewayEndpoint Json => Cluster.Gateways[0];

    /// <summary><c>Gateway:AccessLog:Format=Combined</c> (keys hashed, the default), written to <see cref="CombinedLog"/>.</summary>
    public GatewayEndpoint Combined { get; private set; } = null!;

    /// <summary>The second gateway's <c>Gateway:AccessLog:Path</c>.</summary>
    public string CombinedLog { get; } = Path.Combine(Path.GetTempPath(), $"orleans-lb-access-{Guid.NewGuid():N}.log");

    public async Task InitializeAsync()
    {
        Faulty = await FaultyBackend.StartAsync();
        App = await ExternalBackend.StartAsync("app-1");
        Cluster = await LoadBalancerCluster.StartAsync(
            siloSettings: new Dictionary<string, string>
            {
                // As in the report of a gateway behind itself: the gateway's own /healthz answers 200 to anyone else.
                ["Replicas__ExternalHealthPath"] = "/healthz",
                ["Replicas__Static__0__Name"] = "faulty-1",
                ["Replicas__Static__0__Address"] = Faulty.Address,
                ["Replicas__Static__1__Name"] = "app-1",
                ["Replicas__Static__1__Address"] = App.Address,
            },
            gatewaySettings: new Dictionary<string, string>
            {
                ["Gateway__AccessLog__Format"] = "Json",
                ["Gateway__AccessLog__Key"] = "Plain",
                ["Gateway__Name"] = "json-gateway",
            },
            expectedReplicas: 5);
        Combined = await Cluster.StartGatewayAsync(new Dictionary<string, string>
        {
            ["Gateway__AccessLog__Format"] = "Combined",
            ["Gateway__AccessLog__Path"] = CombinedLog,
        });
        Forwarder = await ForwardingServer.StartAsync(Combined.Address);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Forwarder.DisposeAsync();
        await Faulty.DisposeAsync();
        await App.DisposeAsync();
        File.Delete(CombinedLog);
    }

    /// <summary>
    /// A key <paramref name="gateway"/> routes to a replica <paramref name="owner"/> accepts, found by asking it (each
    /// caller with its own <paramref name="prefix"/>, so that the keys of one test never show in another's log lines).
    /// </summary>
    public static async Task<string> KeyOfAsync(GatewayEndpoint gateway, string prefix, Func<string, bool> owner)
    {
        foreach (var key in Enumerable.Range(0, 400).Select(i => $"{prefix}-{i}"))
        {
            using var response = await SendAsync(gateway, "/home", key);
            if (response.Headers.TryGetValues("X-Replica", out var replica) && owner(replica.Single()))
            {
                return key;
            }
        }

        throw new InvalidOperationException("No candidate key routes to the replica asked for");
    }

    public static Task<HttpResponseMessage> SendAsync(GatewayEndpoint gateway, string path, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Request-Id", key);
        return gateway.Http.SendAsync(request);
    }
}
