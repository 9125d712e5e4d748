using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;
using Orleans.Configuration;
using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Grains.Ring;
using Orleans.LoadBalancer.Hosting;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Routing;
using Orleans.LoadBalancer.Silo.Replicas;
using Orleans.LoadBalancer.Silo.Storage;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace Orleans.LoadBalancer.Silo.Hosting;

internal static class SiloHostingExtensions
{
    /// <summary>Adds the silo and the infrastructure its grains ask for (replica runtime, storage), with settings validated at start-up.</summary>
    public static WebApplicationBuilder AddLoadBalancerSilo(this WebApplicationBuilder builder)
    {
        builder.Services.AddSettings<ClusterSettings>(ClusterSettings.Section);
        builder.Services.AddSettings<ReplicaOptions>(ReplicaOptions.Section, new ReplicaRuntimeValidator());
        builder.Services.AddSettings<RoutingSettings>(RoutingSettingsValidator.Section, new RoutingSettingsValidator());
        builder.Services.AddSettings<SiloAdminOptions>(SiloAdminOptions.Section);

        // Read once, now: the silo's clustering and the replica runtime are chosen before the host is built.
        var cluster = builder.ReadSettings<ClusterSettings>(ClusterSettings.Section);
        StaticReplicaConfiguration.ThrowIfAnyEntryIsUnreadable(builder.Configuration);
        var replicas = builder.ReadSettings<ReplicaOptions>(ReplicaOptions.Section);
        builder.AddReplicaRuntime(replicas.Runtime);
        builder.AddReplicaHosts(cluster);
        var stateDirectory = StateDirectory.ForService(cluster.StateDirectory, cluster.ServiceId);
        if (!cluster.IsRedis)
        {
            StateDirectory.ThrowIfAnyUnreadable(stateDirectory);
        }

        var replicaAuthorities = ReplicaTls.Authorities(builder.Configuration);
        builder.Services.AddSingleton(_ => new HeartbeatProbe(
            "1.1 " + ClusterVia.Pseudonym(cluster.ClusterId, ClusterVia.ManagerName), ReplicaTls.Policy(replicaAuthorities)));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ReplicaMetrics>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ReplicaMetrics.MeterName)
            .AddMeter("Microsoft.Orleans")
            .AddPrometheusExporter());
        builder.UseOrleans(silo =>
        {
            silo.AddDashboard();
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });

            // A dead silo is declared dead in a few seconds rather than tens: its grains (the RingGrain among them)
            // reactivate elsewhere sooner, while the gateways keep routing on their snapshots.
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = cluster.ProbeTimeout;
                o.NumMissedProbesLimit = 2;
            });

            silo.UseClusterTls(cluster.Tls);
            var advertised = cluster.AdvertisedAddress.Length > 0 ? ClusterSettings.Resolve(cluster.AdvertisedAddress) : null;
            if (cluster.IsRedis)
            {
                RedisAccessCheck.Check(builder, cluster.RedisConnectionString);
                silo.UseRedisClustering(cluster.RedisConnectionString);
                silo.AddRedisGrainStorage(RingGrain.StorageName, o =>
                    o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(cluster.RedisConnectionString));
                silo.ConfigureEndpoints(advertised ?? System.Net.IPAddress.Loopback, cluster.SiloPort, cluster.GatewayPort);
            }
            else if (advertised is not null)
            {
                // One host reachable by name (a container): development clustering around the primary silo.
                silo.UseDevelopmentClustering(new System.Net.IPEndPoint(advertised, cluster.PrimarySiloPort));
                silo.ConfigureEndpoints(advertised, cluster.SiloPort, cluster.GatewayPort);
                AddFileGrainStorage(silo, stateDirectory);
            }
            else
            {
                silo.UseLocalhostClustering(
                    cluster.SiloPort,
                    cluster.GatewayPort,
                    new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, cluster.PrimarySiloPort),
                    cluster.ServiceId,
                    cluster.ClusterId);
                AddFileGrainStorage(silo, stateDirectory);
            }
        });

        builder.Services.AddHostedService<ReplicaBootstrapper>();
        builder.Services.AddSiloHealth();
        return builder;
    }

    /// <summary>The embedded default's storage: the ring in a local file, written atomically, so a silo killed loses nothing.</summary>
    private static void AddFileGrainStorage(ISiloBuilder silo, string directory) =>
        silo.Services.AddGrainStorage(RingGrain.StorageName, (services, _) =>
            new FileGrainStorage(directory, new OrleansGrainStorageSerializer(services.GetRequiredService<Orleans.Serialization.Serializer>())));
}
