using OpenTelemetry.Metrics;

namespace Orleans.LoadBalancer.Gateway.Metrics;

internal static class MetricsRegistration
{
    /// <summary>The gateway's instruments and Orleans', exported for Prometheus.</summary>
    public static IServiceCollection AddGatewayMetrics(this IServiceCollection services)
    {
        services.AddSingleton<GatewayMetrics>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(GatewayMetrics.MeterName)
            .AddMeter("Microsoft.Orleans")
            .AddPrometheusExporter());
        return services;
    }

    /// <summary><c>/metrics</c>.</summary>
    public static IEndpointRouteBuilder MapGatewayMetrics(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint();
        return app;
    }
}
