using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Orleans.LoadBalancer.Hosting;

/// <summary>
/// The body of <c>/healthz</c> and <c>/readyz</c> on the gateway and the silo:
/// <c>{"status": "healthy", "checks": {"ready": {"status": "healthy", "description": "…"}}}</c>.
/// </summary>
public static class HealthJson
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
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
