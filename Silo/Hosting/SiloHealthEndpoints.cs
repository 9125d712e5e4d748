using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Silo.Hosting;

/// <summary>
/// <c>GET /healthz</c> (the process answers) and <c>GET /readyz</c> (<see cref="SiloReadiness"/>), unauthenticated
/// for orchestrators, with the gateway's body: <c>{"status": "healthy", "checks": {…}}</c>.
/// </summary>
internal static class SiloHealthEndpoints
{
    private const string ReadyTag = "ready";

    public static IServiceCollection AddSiloHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<SiloReadiness>("ready", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapSiloHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthJson.WriteAsync });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = HealthJson.WriteAsync });
        return app;
    }
}
