using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.Proxy.AccessLog;
using Orleans.LoadBalancer.Gateway.Proxy.Upstream;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Gateway.Proxy;

internal static class ProxyRegistration
{
    /// <summary>
    /// The forwarder and the <see cref="ReplicaProxy"/>, with the settings it runs on (<see cref="GatewaySettingsStore"/>),
    /// which <see cref="GatewaySettingsReloader"/> replaces when the configuration changes. Needs the ring following and
    /// the metrics registered too.
    /// </summary>
    public static IServiceCollection AddReplicaProxy(this IServiceCollection services)
    {
        services.AddHttpForwarder();
        services.AddSingleton<ISuspectReporter, ManagerSuspectReporter>();
        services.AddSingleton<ReplicaSuspects>();
        services.AddSingleton<OutlierDetector>();
        services.AddSingleton<RetryBudget>();
        services.AddSingleton(sp =>
        {
            var gateway = sp.GetRequiredService<IOptions<GatewayOptions>>().Value;
            var authorities = ReplicaTls.Authorities(sp.GetRequiredService<IConfiguration>());
            return UpstreamInvoker.Create(gateway.UpstreamClient, gateway.ConnectTimeout, ReplicaTls.Policy(authorities));
        });
        services.AddSingleton<ReplicaProxy>();
        services.AddSingleton<GatewaySettingsFactory>();
        services.AddSingleton(sp => new GatewaySettingsStore(sp.GetRequiredService<GatewaySettingsFactory>().Create(
            sp.GetRequiredService<IOptions<GatewayOptions>>().Value, sp.GetRequiredService<IOptions<BalancingOptions>>().Value)));
        services.AddHostedService<GatewaySettingsReloader>();
        services.AddSingleton(sp => new GatewayVia(
            sp.GetRequiredService<IOptions<ClusterSettings>>().Value.ClusterId, sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Name));
        services.AddSingleton<AccessLogWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<AccessLogWriter>());
        services.AddSingleton<AccessLogRecorder>();
        services.AddSingleton<UpgradedConnections>();
        services.AddHostedService<UpgradedConnectionCloser>();
        return services;
    }
}
