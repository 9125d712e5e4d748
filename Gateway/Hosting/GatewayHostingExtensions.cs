using OpenTelemetry.Metrics;
using Orleans.Configuration;
using Orleans.LoadBalancer.Gateway.Metrics;
using Orleans.LoadBalancer.Gateway.Proxy;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Gateway.Hosting;

public static class GatewayHostingExtensions
{
    private const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Adds the Orleans client, the ring follower and the proxy, with settings validated now.</summary>
    public static WebApplicationBuilder AddLoadBalancerGateway(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var cluster = (configuration.GetSection(ClusterSettings.Section).Get<ClusterSettings>() ?? new()).Validated(ClusterSettings.Section);
        var gateway = (configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new()).Validated(GatewayOptions.Section);

        var balancing = (configuration.GetSection(BalancingOptions.Section).Get<BalancingOptions>() ?? new()).Validated(BalancingOptions.Section);
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(gateway));
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(balancing));
        builder.Services.Configure<AdminOptions>(configuration.GetSection(AdminOptions.Section));

        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });

            if (cluster.IsRedis)
            {
                client.UseRedisClustering(cluster.RedisConnectionString);
            }
            else if (cluster.GatewayHost.Length > 0)
            {
                client.UseStaticClustering(new System.Net.IPEndPoint(ClusterSettings.Resolve(cluster.GatewayHost), cluster.GatewayPort));
            }
            else
            {
                client.UseLocalhostClustering(cluster.GatewayPort, cluster.ServiceId, cluster.ClusterId);
            }

            // Wait for the cluster rather than failing start-up when the gateway starts first.
            client.UseConnectionRetryFilter(async (_, cancellationToken) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                return true;
            });
        });

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // X-Replica carries the replica's name, which may hold non-ASCII letters ("Zoë"): Kestrel refuses those
            // in a header unless told how to encode them.
            kestrel.ResponseHeaderEncodingSelector = header =>
                string.Equals(header, "X-Replica", StringComparison.OrdinalIgnoreCase) ? System.Text.Encoding.UTF8 : null;
        });
        builder.WebHost.UseSockets(sockets =>
        {
            sockets.UnsafePreferInlineScheduling = gateway.InlineScheduling;
            // Read straight into a buffer instead of waiting for data with an empty read first: one syscall less per
            // request, for a buffer held per idle connection.
            sockets.WaitForDataBeforeAllocatingBuffer = false;
        });
        if (gateway.InlineSocketCompletions && Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
        {
            // Read once, when the first socket is made: nothing has made one yet while the host is being built.
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }

        builder.UseHandOverListener(gateway);
        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton<RingSnapshotStore>();
        builder.Services.AddSingleton<RingFollower>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RingFollower>());
        builder.Services.AddSingleton<ISuspectReporter, ManagerSuspectReporter>();
        builder.Services.AddSingleton<ReplicaSuspects>();
        builder.Services.AddSingleton<InFlightTracker>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.Services.AddSingleton<ReplicaProxy>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(GatewayMetrics.MeterName)
            .AddMeter("Microsoft.Orleans")
            .AddPrometheusExporter());
        return builder;
    }
}
