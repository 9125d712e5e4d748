using Orleans.LoadBalancer.EndToEndTests.Gateway.Proxy.Upstream;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.FastLane;

/// <summary>
/// A cluster whose only replica is a <see cref="RawReplica"/> (answers Kestrel never sends, stray bytes, closes), and one
/// gateway over it with <c>Gateway:FastLane</c> on. Outlier ejection and suspect marks are off: the replica misbehaves
/// on purpose, and each request must still reach it.
/// </summary>
public sealed class RawReplicaFixture : IAsyncLifetime
{
    public RawReplica Replica { get; } = new();

    public LoadBalancerCluster Cluster { get; private set; } = null!;

    public GatewayEndpoint Gateway => Cluster.Gateways[0];

    public async Task InitializeAsync()
    {
        Cluster = await LoadBalancerCluster.StartAsync(
            siloSettings: new Dictionary<string, string>
            {
                ["Replicas__InitialCount"] = "0",
                ["Replicas__Static__0__Name"] = "raw",
                ["Replicas__Static__0__Address"] = Replica.Address.ToString().TrimEnd('/'),
                ["Replicas__Static__0__HealthPath"] = "/raw/ok",
            },
            gatewaySettings: new Dictionary<string, string>
            {
                ["Gateway__FastLane"] = "true",
                ["Gateway__Outlier__ConsecutiveFailures"] = "0",
                ["Gateway__SuspectFor"] = "00:00:00",
            },
            expectedReplicas: 1);
        await Eventually.TrueAsync(async () =>
        {
            using var response = await Gateway.Http.GetAsync("/raw/ok?n=ready");
            return response.IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(60), "the gateway routes to the raw replica");
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        await Replica.DisposeAsync();
    }
}
