using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Orleans.LoadBalancer.Silo.Hosting;

/// <summary>
/// Guards the dashboard with the admin key when one is configured: a bearer token for tools, or HTTP Basic
/// (any user name, the key as password) so a browser can log in.
/// </summary>
public static class DashboardAuthorization
{
    public static IApplicationBuilder UseDashboardAuthorization(this IApplicationBuilder app, PathString prefix)
    {
        var key = app.ApplicationServices.GetRequiredService<IOptions<SiloAdminOptions>>().Value.ApiKey;
        if (string.IsNullOrEmpty(key))
        {
            return app;
        }

        var expected = Encoding.UTF8.GetBytes(key);
        return app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments(prefix) || IsAuthorized(context.Request, expected))
            {
                await next(context);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"orleans-lb\"";
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"message": "<Error> Missing or wrong API key (Authorization: Bearer <key>)", "status": "failure"}""");
        });
    }

    private static bool IsAuthorized(HttpRequest request, byte[] expected)
    {
        var header = request.Headers.Authorization.ToString();
        byte[] given;
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            given = Encoding.UTF8.GetBytes(header[7..].Trim());
        }
        else if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
                given = Encoding.UTF8.GetBytes(decoded[(decoded.IndexOf(':', StringComparison.Ordinal) + 1)..]);
            }
            catch (FormatException)
            {
                return false;
            }
        }
        else
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(given, expected);
    }
}
