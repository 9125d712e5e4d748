using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Orleans.LoadBalancer.Silo.Hosting;

/// <summary>
/// <c>GET /healthz</c> (the process answers) and <c>GET /readyz</c> (<see cref="SiloReadiness"/>), unauthenticated
/// for orchestrators, with the gateway's body: <c>{"status": "healthy", "checks": {…}}</c>.
/// </summary>
public static class SiloHealthEndpoints
{
    private const string ReadyTag = "ready";

    public static IServiceCollection AddSiloHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<SiloReadiness>("ready", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapSiloHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync });
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsJsonAsync(new
        {
            status = Name(report.Status),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = Name(e.Value.Status), description = e.Value.Description }),
        });
    }

    private static string Name(HealthStatus status) => JsonNamingPolicy.CamelCase.ConvertName(status.ToString());
}
