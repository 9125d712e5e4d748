using Orleans.LoadBalancer.Gateway.Responses;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>
/// With the admin API on loopback only and no <c>AllowedHosts</c>: an admin request must name a loopback host. A web
/// page whose own DNS name was rebound to 127.0.0.1 reaches the gateway with its name in <c>Host</c>, and gets a 400.
/// </summary>
internal static class AdminHostFilter
{
    private static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        // No Host at all (HTTP/1.0) is allowed, as ASP.NET's host filtering allows it: a browser always sends one.
        var host = context.Request.Host;
        if (!host.HasValue || Array.Exists(LoopbackHosts, h => string.Equals(h, host.Host, StringComparison.OrdinalIgnoreCase)))
        {
            return next(context);
        }

        return ApiEnvelope.WriteFailureAsync(
            context.Response,
            StatusCodes.Status400BadRequest,
            $"Host '{host.Host}' is not served: the admin API listens on loopback only (AllowedHosts lists the host names to serve)");
    }
}
