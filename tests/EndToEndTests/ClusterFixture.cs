using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>One real cluster (a silo, three replica processes, two gateways) shared by the seed-API tests.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const string ApiKey = "test-admin-key";

    public LoadBalancerCluster Cluster { get; private set; } = null!;

    /// <summary>A third gateway on the same cluster that requires the admin API key.</summary>
    public GatewayEndpoint ProtectedGateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await LoadBalancerCluster.StartAsync(gateways: 2);
        ProtectedGateway = await Cluster.StartGatewayAsync(new Dictionary<string, string> { ["Admin__ApiKey"] = ApiKey });
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
