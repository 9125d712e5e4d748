using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.FastLane;

/// <summary>
/// A cluster whose only replica is a <see cref="RecordingReplica"/>, and two gateways over it that differ only in
/// <c>Gateway:FastLane</c>: <see cref="Fast"/> (on) and <see cref="Kestrel"/> (off). Each names itself in <c>Via</c>, so
/// the replica knows which one a request came through. Outlier ejection and suspect marks are off on both: they depend
/// on timing, and a comparison request by request must not.
/// </summary>
public sealed class FastLaneFixture : IAsyncLifetime
{
    public const string FastName = "fast";
    public const string KestrelName = "kestrel";

    internal RecordingReplica Replica { get; private set; } = null!;

    public LoadBalancerCluster Cluster { get; private set; } = null!;

    /// <summary><c>Gateway:FastLane=true</c>.</summary>
    public GatewayEndpoint Fast => Cluster.Gateways[0];

    /// <summary><c>Gateway:FastLane=false</c>: every request through Kestrel's HTTP pipeline.</summary>
    public GatewayEndpoint Kestrel { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Replica = RecordingReplica.Start("recorder");
        Cluster = await LoadBalancerCluster.StartAsync(
            siloSettings: new Dictionary<string, string>
            {
                ["Replicas__InitialCount"] = "0",
                ["Replicas__Static__0__Name"] = Replica.Name,
                ["Replicas__Static__0__Address"] = Replica.Address,
            },
            gatewaySettings: Settings(FastName, fastLane: true),
            expectedReplicas: 1);
        Kestrel = await Cluster.StartGatewayAsync(Settings(KestrelName, fastLane: false));
        foreach (var gateway in new[] { Fast, Kestrel })
        {
            // The replica is routed to once its first health check passed.
            await Eventually.TrueAsync(async () =>
            {
                using var response = await gateway.Http.GetAsync("/len/1");
                return response.IsSuccessStatusCode;
            }, TimeSpan.FromSeconds(60), $"{gateway.Address} routes to the recording replica");
        }
    }

    private static Dictionary<string, string> Settings(string name, bool fastLane) => new()
    {
        ["Gateway__Name"] = name,
        ["Gateway__FastLane"] = fastLane ? "true" : "false",
        ["Gateway__Outlier__ConsecutiveFailures"] = "0",
        ["Gateway__SuspectFor"] = "00:00:00",
    };

    /// <summary>The gateway named <paramref name="name"/>.</summary>
    public GatewayEndpoint Named(string name) => name == FastName ? Fast : Kestrel;

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        await Replica.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class FastLaneCollection : ICollectionFixture<FastLaneFixture>
{
    public const string Name = "fast lane";
}
