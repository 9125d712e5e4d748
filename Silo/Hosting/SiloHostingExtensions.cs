using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;
using Orleans.Configuration;
using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Grains.Ring;
using Orleans.LoadBalancer.Hosting;
using Orleans.LoadBalancer.Routing;
using Orleans.LoadBalancer.Silo.Replicas;

namespace Orleans.LoadBalancer.Silo.Hosting;

public static class SiloHostingExtensions
{
    /// <summary>Adds the silo and the infrastructure its grains ask for (replica runtime, storage), with settings validated now.</summary>
    public static WebApplicationBuilder AddLoadBalancerSilo(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var cluster = Read<ClusterSettings>(configuration, ClusterSettings.Section);
        var replicas = Read<ReplicaOptions>(configuration, ReplicaOptions.Section);
        var routing = configuration.GetSection("Routing").Get<RoutingSettings>() ?? RoutingSettings.Default;
        try
        {
            routing.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new InvalidConfigurationException($"Routing: {ex.Message}", ex);
        }

        builder.Services.AddSingleton(Options.Create(cluster));
        builder.Services.AddSingleton(Options.Create(replicas));
        builder.Services.AddSingleton(Options.Create(routing));
        builder.AddReplicaRuntime(replicas.Runtime, cluster);
        builder.Services.AddSingleton<HeartbeatProbe>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ReplicaMetrics>();
        builder.Services.Configure<SiloAdminOptions>(configuration.GetSection(SiloAdminOptions.Section));
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

            var advertised = cluster.AdvertisedAddress.Length > 0 ? ClusterSettings.Resolve(cluster.AdvertisedAddress) : null;
            if (cluster.IsRedis)
            {
                silo.UseRedisClustering(cluster.RedisConnectionString);
                silo.AddRedisGrainStorage(RingGrain.StorageName, o =>
                    o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(cluster.RedisConnectionString));
                silo.ConfigureEndpoints(advertised ?? System.Net.IPAddress.Loopback, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: advertised is not null);
            }
            else if (advertised is not null)
            {
                // One host reachable by name (a container): development clustering around the primary silo.
                silo.UseDevelopmentClustering(new System.Net.IPEndPoint(advertised, cluster.PrimarySiloPort));
                silo.ConfigureEndpoints(advertised, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
                silo.AddMemoryGrainStorage(RingGrain.StorageName);
            }
            else
            {
                silo.UseLocalhostClustering(
                    cluster.SiloPort,
                    cluster.GatewayPort,
                    new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, cluster.PrimarySiloPort),
                    cluster.ServiceId,
                    cluster.ClusterId);
                silo.AddMemoryGrainStorage(RingGrain.StorageName);
            }
        });

        builder.Services.AddHostedService<ReplicaBootstrapper>();
        builder.Services.AddSiloHealth();
        return builder;
    }

    private static T Read<T>(IConfiguration configuration, string section)
        where T : class, new() =>
        (configuration.GetSection(section).Get<T>() ?? new T()).Validated(section);
}
