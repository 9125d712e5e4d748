using Orleans.LoadBalancer.Gateway.Admin;
using Orleans.LoadBalancer.Gateway.Proxy;

namespace Orleans.LoadBalancer.Gateway.Hosting;

public static class ReplicaProxyPipeline
{
    /// <summary>
    /// Proxies every request that is not for one of the gateway's own paths straight away, ahead of endpoint routing
    /// (which the hot path does not need); the gateway's endpoints come after, with a catch-all that proxies too, so a
    /// method they do not take (say <c>GET /add</c>) still reaches the replicas as it always did. An endpoint that
    /// fails because the cluster did not answer gets the seed's error shape, not an empty 500.
    /// </summary>
    public static WebApplication UseReplicaProxy(this WebApplication app)
    {
        var proxy = app.Services.GetRequiredService<ReplicaProxy>();
        app.Use((context, next) => IsOwnPath(context.Request.Path) ? next(context) : proxy.InvokeAsync(context));
        app.UseExceptionHandler(error => error.Run(context => SeedJson.WriteFailureAsync(
            context.Response, StatusCodes.Status503ServiceUnavailable, "The cluster did not complete the request; check /rep and retry")));
        app.UseRouting();
        app.Map("/{**path}", proxy.InvokeAsync);
        return app;
    }

    private static bool IsOwnPath(PathString path)
    {
        var value = path.Value;
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        return AdminEndpoints.Paths.Contains(value.Length > 1 && value[^1] == '/' ? value[..^1] : value);
    }
}
