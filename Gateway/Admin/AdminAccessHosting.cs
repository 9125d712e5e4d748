using System.Text.Json.Serialization;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Gateway.Admin;

internal static class AdminAccessHosting
{
    /// <summary>
    /// Decides where the admin API listens and who may call it (<see cref="AdminAccess"/>), refusing to start in
    /// protected mode; with <c>Admin:Urls</c>, Kestrel listens on those besides <c>Urls</c>. The key is live: a reload
    /// rotates it (<see cref="AdminKeyStore"/>).
    /// </summary>
    /// <exception cref="InvalidConfigurationException">A wrong <c>Admin:*</c> setting, or no key on a listener beyond loopback.</exception>
    public static WebApplicationBuilder AddAdminAccess(this WebApplicationBuilder builder)
    {
        var access = AdminAccess.From(builder.Configuration);
        if (access.HasOwnListener)
        {
            builder.WebHost.UseUrls([.. access.TrafficUrls, .. access.AdminUrls]);
        }

        builder.Services.AddSingleton(access);
        builder.Services.AddSingleton<GatewayAddresses>();
        builder.Services.AddSingleton<AdminKeyStore>();
        builder.Services.AddSingleton<ILiveSettings>(sp => sp.GetRequiredService<AdminKeyStore>());
        // The admin API refuses numbers written as strings ("'n' must be an integer"); the document says so too.
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Orleans.LoadBalancer admin API";
            document.Info.Description = "The seed's /rep, /add and /rm, byte for byte, and the gateway's own endpoints. "
                + "Every answer is {\"message\": …, \"status\": \"successful\" | \"failure\"}; a refused change changes nothing.";
            return Task.CompletedTask;
        }));
        return builder;
    }
}
