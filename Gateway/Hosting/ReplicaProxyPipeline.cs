using Orleans.LoadBalancer.Gateway.Admin;
using Orleans.LoadBalancer.Gateway.Proxy;
using Orleans.LoadBalancer.Gateway.Proxy.AccessLog;
using Orleans.LoadBalancer.Gateway.Responses;

namespace Orleans.LoadBalancer.Gateway.Hosting;

internal static class ReplicaProxyPipeline
{
    /// <summary>
    /// Proxies every request that is not for the gateway itself straight away, ahead of endpoint routing (which the hot
    /// path does not need). Which requests are for the gateway: on one port, its own paths; with <c>Admin:Urls</c>,
    /// whatever arrives on an admin port, while the traffic port proxies every path. The gateway's endpoints come after,
    /// with a catch-all that proxies too, so a method they do not take (say <c>GET /add</c>) still reaches the replicas
    /// as it always did. An endpoint that fails because the cluster did not answer gets the seed's error shape, not an
    /// empty 500. Requests for the gateway itself get their access log line here, proxied ones in the proxy; both are
    /// answered 508 when they came back to the cluster (<see cref="GatewayVia"/>).
    /// </summary>
    public static WebApplication UseReplicaProxy(this WebApplication app)
    {
        var proxy = app.Services.GetRequiredService<ReplicaProxy>();
        var access = app.Services.GetRequiredService<AdminAccess>();
        var accessLog = app.Services.GetRequiredService<AccessLogRecorder>();
        var via = app.Services.GetRequiredService<GatewayVia>();
        if (access.HasOwnListener)
        {
            var adminPorts = access.AdminPorts;
            app.Use((context, next) => adminPorts.Contains(context.Connection.LocalPort) ? accessLog.InvokeAsync(context, next) : proxy.InvokeAsync(context));
        }
        else
        {
            app.Use((context, next) => AdminEndpoints.IsOwnPath(context.Request.Path.Value) ? accessLog.InvokeAsync(context, next) : proxy.InvokeAsync(context));
        }

        // Only the gateway's own requests get here: the proxy never calls on.
        app.Use((context, next) => via.CameBack(context.Request) ? proxy.RejectLoopAsync(context) : next(context));
        if (access.LoopbackHostsOnly)
        {
            app.Use(AdminHostFilter.InvokeAsync);
        }

        app.UseExceptionHandler(error => error.Run(context => ApiEnvelope.WriteFailureAsync(
            context.Response, StatusCodes.Status503ServiceUnavailable, "The cluster did not complete the request; check /rep and retry")));
        app.UseRouting();
        if (access.HasOwnListener)
        {
            app.Map("/{**path}", (HttpContext context) => ApiEnvelope.Failure(
                StatusCodes.Status404NotFound, $"No admin endpoint answers '{context.Request.Method} {context.Request.Path}' here; the traffic port (Urls) proxies requests to the replicas"));
        }
        else
        {
            app.Map("/{**path}", proxy.InvokeAsync);
        }

        return app;
    }
}
