using Microsoft.AspNetCore.HostFiltering;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Admin;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.FastLane;
using Orleans.LoadBalancer.Gateway.Metrics;
using Orleans.LoadBalancer.Gateway.Proxy;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Hosting;
using ClusterOptions = Orleans.Configuration.ClusterOptions;

namespace Orleans.LoadBalancer.Gateway.Hosting;

internal static class GatewayHostingExtensions
{
    private const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>How often the cluster client reads which silos are alive (one small read of the membership table).</summary>
    private static readonly TimeSpan GatewayListRefreshPeriod = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Adds the Orleans client, the ring follower, the proxy with settings that reload without a restart, and the
    /// metrics and, when configured, tracing. Hosted services start in the order added: the ring follower first.
    /// </summary>
    public static WebApplicationBuilder AddLoadBalancerGateway(this WebApplicationBuilder builder)
    {
        builder.Services.AddSettings<ClusterSettings>(ClusterSettings.Section);
        builder.AddGatewayOptions();
        builder.Services.AddSettings<AdminOptions>(AdminOptions.Section);

        // Read once, now: the cluster client and the socket transport are set up before the host is built.
        var cluster = builder.ReadSettings<ClusterSettings>(ClusterSettings.Section);
        var gateway = builder.ReadSettings<GatewayOptions>(GatewayOptions.Section);
        builder.AddGatewayEdge();

        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });

            client.UseClusterTls(cluster.Tls);
            if (cluster.IsRedis)
            {
                RedisAccessCheck.Check(builder, cluster.RedisConnectionString);
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

            // A silo cut off from the network keeps its connections open (nothing resets them): the client learns that
            // it is gone only from the membership table, read every GatewayListRefreshPeriod (a minute by default), and
            // until then sends calls there that wait for their whole response timeout.
            client.Configure<Orleans.Configuration.GatewayOptions>(o => o.GatewayListRefreshPeriod = GatewayListRefreshPeriod);

            // Wait for the cluster rather than failing start-up when the gateway starts first.
            client.UseConnectionRetryFilter(async (_, cancellationToken) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                return true;
            });
        });

        // Listeners and host names are read once: the admin API's protected mode and host filter are decided from them
        // at start-up. Kestrel and ASP.NET's host filter would each apply a reloaded Kestrel section or AllowedHosts by
        // themselves; a reload says instead that they need a restart.
        builder.Services.RemoveAll<IOptionsChangeTokenSource<HostFilteringOptions>>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Configure(builder.Configuration.GetSection("Kestrel"), reloadOnChange: false);
            kestrel.AddServerHeader = false;
            // A replica's header values arrive decoded as Latin-1 (one char per byte, as SocketsHttpHandler and the lean
            // client read them): written back as Latin-1 they leave byte for byte as they came, UTF-8 filenames and
            // Locations included, where Kestrel would refuse any byte beyond ASCII. X-Replica is the gateway's own and
            // carries the replica's name, which may hold non-ASCII letters ("Zoë"): UTF-8.
            kestrel.ResponseHeaderEncodingSelector = header =>
                string.Equals(header, "X-Replica", StringComparison.OrdinalIgnoreCase) ? System.Text.Encoding.UTF8 : System.Text.Encoding.Latin1;
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
        builder.AddFastLane(gateway);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddRingFollowing();
        builder.Services.AddReplicaProxy();
        builder.Services.AddHostedService<HangupReload>();
        builder.Services.AddGatewayMetrics();
        builder.AddGatewayTracing();
        return builder;
    }
}
