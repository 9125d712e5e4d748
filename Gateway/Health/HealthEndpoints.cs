using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Gateway.Health;

/// <summary><c>/healthz</c> (the process answers) and <c>/readyz</c> (<see cref="GatewayReadinessCheck"/>).</summary>
internal static class HealthEndpoints
{
    public const string LivenessPath = "/healthz";
    public const string ReadinessPath = "/readyz";

    private const string ReadyTag = "ready";

    /// <summary>The readiness check and the cluster connection monitor it reads.</summary>
    public static IServiceCollection AddGatewayHealthChecks(this IServiceCollection services)
    {
        services.AddSingleton<ClusterConnectionMonitor>();
        services.AddSingleton<IClusterConnectionStatusObserver>(sp => sp.GetRequiredService<ClusterConnectionMonitor>());
        services.AddHealthChecks().AddCheck<GatewayReadinessCheck>("ready", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapGatewayHealthChecks(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks(LivenessPath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthJson.WriteAsync });
        app.MapHealthChecks(ReadinessPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = HealthJson.WriteAsync });
        return app;
    }

    public static bool IsHealthPath(PathString path) =>
        path.Equals(LivenessPath, StringComparison.OrdinalIgnoreCase) || path.Equals(ReadinessPath, StringComparison.OrdinalIgnoreCase);
}
