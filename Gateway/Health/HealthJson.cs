using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Orleans.LoadBalancer.Gateway.Health;

/// <summary><c>{"status": "healthy", "checks": {"ready": {"status": "healthy", "description": "…"}}}</c></summary>
internal static class HealthJson
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
