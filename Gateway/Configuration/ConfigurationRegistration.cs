using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Gateway.Configuration;

internal static class ConfigurationRegistration
{
    /// <summary>Sections <c>Gateway</c> and <c>Routing</c>, bound and checked at start-up and on every reload by the same rules.</summary>
    public static IHostApplicationBuilder AddGatewayOptions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<GatewayOptions>(GatewayOptions.Section, new KeySourcesValidator(builder.Configuration));
        builder.Services.AddSettings<BalancingOptions>(BalancingOptions.Section);
        return builder;
    }
}
