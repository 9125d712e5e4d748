using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.Health;
using Orleans.LoadBalancer.Gateway.Responses;

namespace Orleans.LoadBalancer.Gateway.Hosting;

/// <summary>
/// How the gateway meets the network beyond proxying: <c>/healthz</c> and <c>/readyz</c>, served from the moment the
/// process listens, and the request body limit.
/// </summary>
internal static class GatewayEdgeHosting
{
    /// <summary>The hosted service that starts ASP.NET Core's server (internal to the framework).</summary>
    private const string WebHostService = "Microsoft.AspNetCore.Hosting.GenericWebHostService";

    /// <summary>Health checks, the cluster connection monitor and Kestrel's body limit.</summary>
    public static WebApplicationBuilder AddGatewayEdge(this WebApplicationBuilder builder)
    {
        if (builder.Configuration.GetValue($"{GatewayOptions.Section}:{nameof(GatewayOptions.ListenBeforeReady)}", true))
        {
            builder.Host.ConfigureContainer<IServiceCollection>(ListenFirst);
        }

        builder.Services.AddGatewayHealthChecks();
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<GatewayOptions>>((kestrel, gateway) =>
            kestrel.Limits.MaxRequestBodySize = gateway.Value.MaxRequestBodySize);
        return builder;
    }

    /// <summary>
    /// Maps the health endpoints, and answers every other request 503 until start-up completed (the first ring is in),
    /// so the gateway never routes or answers the admin API without a ring. Call before <c>UseReplicaProxy</c>.
    /// </summary>
    public static WebApplication UseGatewayEdge(this WebApplication app)
    {
        var started = app.Lifetime.ApplicationStarted;
        app.Use((context, next) => started.IsCancellationRequested || HealthEndpoints.IsHealthPath(context.Request.Path) ? next(context) : StartingAsync(context));
        app.MapGatewayHealthChecks();
        return app;
    }

    /// <summary>
    /// Moves the web server's hosted service, which the builder adds last, ahead of the others: the gateway listens
    /// while the cluster client connects and the first ring arrives, so an orchestrator can tell a gateway waiting for
    /// its cluster (alive, not ready) from a dead one; until then <see cref="UseGatewayEdge"/> answers 503. The others
    /// keep their order (the ring follower needs a started client). Stopping runs the other way, so the server now stops
    /// last: requests are still proxied on the last ring while the cluster client disconnects. Called once every
    /// service is registered.
    /// </summary>
    private static void ListenFirst(HostBuilderContext context, IServiceCollection services)
    {
        var server = services.LastOrDefault(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.FullName == WebHostService);
        var first = services.FirstOrDefault(d => d.ServiceType == typeof(IHostedService));
        if (server is null || ReferenceEquals(server, first))
        {
            return;
        }

        services.Remove(server);
        services.Insert(services.IndexOf(first!), server);
    }

    private static Task StartingAsync(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "1";
        return ApiEnvelope.WriteFailureAsync(context.Response, StatusCodes.Status503ServiceUnavailable, "The gateway is starting: waiting for the cluster's ring");
    }
}
