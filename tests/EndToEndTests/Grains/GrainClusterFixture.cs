using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Grains.Ring;
using Orleans.LoadBalancer.Hosting;
using Orleans.LoadBalancer.Routing;
using Orleans.LoadBalancer.Silo.Replicas;
using Orleans.TestingHost;

namespace Orleans.LoadBalancer.EndToEndTests.Grains;

/// <summary>An Orleans test cluster running the real grains with the real local-process replica runtime.</summary>
public sealed class GrainClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddMemoryGrainStorage(RingGrain.StorageName);
            siloBuilder.ConfigureServices(services =>
            {
                services.AddSingleton(Options.Create(RoutingSettings.Default));
                services.AddSingleton(Options.Create(new ReplicaOptions { InitialCount = 0, MaxCount = 16 }));
                services.AddSingleton(Options.Create(new ProcessReplicaOptions()));
                services.AddSingleton(Options.Create(new ClusterSettings { ClusterId = "grain-tests-" + Guid.NewGuid().ToString("N")[..8] }));
                services.AddSingleton(TimeProvider.System);
                services.AddSingleton<ReplicaMetrics>();
                services.AddSingleton<HeartbeatProbe>();
                services.AddSingleton<IReplicaRuntime, LocalProcessReplicaRuntime>();
            });
        }
    }
}

[CollectionDefinition(Name)]
public sealed class GrainClusterCollection : ICollectionFixture<GrainClusterFixture>
{
    public const string Name = "grain cluster";
}
