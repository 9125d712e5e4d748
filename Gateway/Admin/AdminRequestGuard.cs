using Microsoft.Net.Http.Headers;
using Orleans.LoadBalancer.Gateway.Responses;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>
/// Every state-changing admin endpoint passes through this filter before its body is read: a request that a web page in
/// another site made (403), one without the admin key when one is set (401), and one whose body is not declared JSON
/// (415; a page can send a form or <c>text/plain</c> cross-site without a CORS preflight, not <c>application/json</c>)
/// change nothing. Tools that send neither <c>Origin</c> nor <c>Sec-Fetch-Site</c> (curl, scripts) are not cross-site.
/// </summary>
internal sealed class AdminRequestGuard(AdminKeyStore keys) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var request = http.Request;
        if (IsCrossSite(request))
        {
            return Refuse(StatusCodes.Status403Forbidden, "Cross-site requests may not change the load balancer (Origin or Sec-Fetch-Site names another site)");
        }

        if (keys.Key is { } key && !key.Matches(request.Headers.Authorization))
        {
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"orleans-lb\"";
            return Refuse(StatusCodes.Status401Unauthorized, "Missing or wrong API key (Authorization: Bearer <key>)");
        }

        if (!IsJson(request.ContentType))
        {
            return Refuse(StatusCodes.Status415UnsupportedMediaType, "Content-Type must be application/json");
        }

        return next(context);
    }

    private static ValueTask<object?> Refuse(int status, string message) => ValueTask.FromResult<object?>(ApiEnvelope.Failure(status, message));

    private static bool IsCrossSite(HttpRequest request)
    {
        // Fetch metadata, sent by every current browser: "same-site" is another origin too (a sibling subdomain, another port).
        var site = request.Headers["Sec-Fetch-Site"];
        if (site.Count > 0 && (string.Equals(site, "cross-site", StringComparison.OrdinalIgnoreCase)
            || string.Equals(site, "same-site", StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        var origin = request.Headers.Origin;
        return origin.Count > 0 && !IsOwnOrigin(origin.ToString(), request.Host);
    }

    /// <summary>
    /// Whether <paramref name="origin"/> names the host and port the request was sent to. The scheme is not compared:
    /// behind a proxy that ends TLS, the page is https while the gateway sees http.
    /// </summary>
    private static bool IsOwnOrigin(string origin, HostString host)
    {
        // "null" (sandboxed frames, file: pages) and lists of origins do not parse as one absolute URI.
        if (!host.HasValue || !Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || uri.PathAndQuery != "/" || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return false;
        }

        var port = host.Port ?? (uri.Scheme == "https" ? 443 : 80);
        return port == uri.Port && string.Equals(host.Host, uri.Host, StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);
}
