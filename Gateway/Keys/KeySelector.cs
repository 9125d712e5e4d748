using System.Globalization;
using Orleans.LoadBalancer.Gateway.Configuration;

namespace Orleans.LoadBalancer.Gateway.Keys;

/// <summary>
/// Takes a request's routing key from the configured chain of sources (per path prefix where configured), falling
/// back to a random 6-digit id. A generated key is written to the request id header so the replica sees it too, and
/// issued as a cookie when a cookie source asks for that, so a new client becomes sticky. The <c>ClientIp</c> source is
/// the forwarded client's address when the request came through one of the <see cref="TrustedProxies"/>.
/// </summary>
internal sealed class KeySelector
{
    private readonly string _requestIdHeader;
    private readonly KeySourceOptions[] _default;
    private readonly (PathString Prefix, KeySourceOptions[] Sources)[] _routes;
    private readonly TrustedProxies _trustedProxies;

    public KeySelector(
        string requestIdHeader,
        IReadOnlyList<KeySourceOptions> sources,
        IReadOnlyList<KeyRouteOptions> routes,
        TrustedProxies? trustedProxies = null)
    {
        _requestIdHeader = requestIdHeader;
        // Validated by KeySourcesValidator, with the rest of the gateway's settings.
        _trustedProxies = trustedProxies ?? TrustedProxies.None;
        _default = sources.Count > 0 ? [.. sources] : [new KeySourceOptions { Type = KeySourceType.Header, Name = requestIdHeader }];

        // Longest prefix first, so the most specific route wins.
        _routes = routes
            .OrderByDescending(r => r.PathPrefix.Length)
            .Select(r => (new PathString(r.PathPrefix.TrimEnd('/')), r.KeySources.ToArray()))
            .ToArray();
    }

    public RoutingKey Select(HttpContext context)
    {
        var sources = SourcesFor(context.Request.Path);
        foreach (var source in sources)
        {
            if (TryGet(context, source, out var value))
            {
                return new RoutingKey(value, Generated: false);
            }
        }

        var key = Random.Shared.Next(100_000, 1_000_000).ToString(CultureInfo.InvariantCulture);
        context.Request.Headers[_requestIdHeader] = key;
        foreach (var source in sources)
        {
            if (source is { Type: KeySourceType.Cookie, Issue: true })
            {
                context.Response.Cookies.Append(source.Name, key, new CookieOptions
                {
                    MaxAge = source.Ttl,
                    HttpOnly = true,
                    // Over TLS the browser must never send it back in clear text.
                    Secure = context.Request.IsHttps,
                    SameSite = SameSiteMode.Lax,
                    Path = "/",
                });
            }
        }

        return new RoutingKey(key, Generated: true);
    }

    private KeySourceOptions[] SourcesFor(PathString path)
    {
        foreach (var (prefix, sources) in _routes)
        {
            if (path.StartsWithSegments(prefix))
            {
                return sources;
            }
        }

        return _default;
    }

    private bool TryGet(HttpContext context, KeySourceOptions source, out string value)
    {
        value = source.Type switch
        {
            KeySourceType.Header => context.Request.Headers[source.Name].ToString(),
            KeySourceType.Cookie => context.Request.Cookies[source.Name] ?? "",
            KeySourceType.Query => context.Request.Query[source.Name].ToString(),
            KeySourceType.PathSegment => Segment(context.Request.Path.Value, source.Index),
            KeySourceType.ClientIp => _trustedProxies.ClientOf(context)?.ToString() ?? "",
            _ => "",
        };
        return value.Length > 0;
    }

    private static string Segment(string? path, int index)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "";
        }

        var segments = path.AsSpan().TrimStart('/');
        for (var i = 0; i < index; i++)
        {
            var slash = segments.IndexOf('/');
            if (slash < 0)
            {
                return "";
            }

            segments = segments[(slash + 1)..];
        }

        var end = segments.IndexOf('/');
        return (end < 0 ? segments : segments[..end]).ToString();
    }
}
