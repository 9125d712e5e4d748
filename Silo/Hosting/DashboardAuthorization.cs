using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Silo.Hosting;

/// <summary>
/// Guards the dashboard with the admin key when one is configured: a bearer token for tools, or HTTP Basic
/// (any user name, the key as password) so a browser can log in.
/// </summary>
internal static class DashboardAuthorization
{
    /// <summary>Protected mode: a silo whose <c>Urls</c> reach beyond loopback does not start without a key or the explicit opt-out.</summary>
    /// <exception cref="InvalidConfigurationException">No key, no <c>Admin:AllowAnonymous</c>, and a listener beyond loopback.</exception>
    public static WebApplicationBuilder AddDashboardProtectedMode(this WebApplicationBuilder builder)
    {
        SiloAdminOptions admin;
        try
        {
            admin = builder.Configuration.GetSection(SiloAdminOptions.Section).Get<SiloAdminOptions>() ?? new();
        }
        catch (InvalidOperationException ex)
        {
            // A value the binder cannot convert, such as Admin:AllowAnonymous=yes.
            throw new InvalidConfigurationException($"{SiloAdminOptions.Section}: {ex.Message}", ex);
        }

        ProtectedMode.Enforce(
            "the silo's dashboard", "read every grain's state", ListenAddresses.Of(builder.Configuration), admin.ApiKey, admin.AllowAnonymous);
        return builder;
    }

    public static IApplicationBuilder UseDashboardAuthorization(this IApplicationBuilder app, PathString prefix)
    {
        if (AdminKey.From(app.ApplicationServices.GetRequiredService<IOptions<SiloAdminOptions>>().Value.ApiKey) is not { } key)
        {
            return app;
        }

        return app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments(prefix) || key.Matches(context.Request.Headers.Authorization))
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
}
