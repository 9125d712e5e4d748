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
        ReadsHeadOnly = _default.Concat(_routes.SelectMany(r => r.Sources)).All(s => s.Type is not (KeySourceType.Cookie or KeySourceType.Query));
    }

    /// <summary>
    /// Whether every configured source reads only the request head's plain parts (headers, the path, the peer): the
    /// fast lane selects keys itself only then; cookie and query sources need Kestrel's parsing of them.
    /// </summary>
    public bool ReadsHeadOnly { get; }

    public RoutingKey Select(HttpContext context)
    {
        var sources = SourcesFor(context.Request.Path);
        if (TryFind(new HttpContextKeyRequest(context, _trustedProxies), sources, out var found))
        {
            return new RoutingKey(found, Generated: false);
        }

        var key = NewKey();
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

    /// <summary>
    /// The key of a request outside Kestrel's pipeline (only when <see cref="ReadsHeadOnly"/>: no cookie is ever
    /// issued); the caller sends a generated key on in the request id header.
    /// </summary>
    public RoutingKey Select<TRequest>(in TRequest request)
        where TRequest : struct, IKeyRequest =>
        TryFind(request, SourcesFor(request.Path), out var found) ? new RoutingKey(found, Generated: false) : new RoutingKey(NewKey(), Generated: true);

    private static string NewKey() => Random.Shared.Next(100_000, 1_000_000).ToString(CultureInfo.InvariantCulture);

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

    private static bool TryFind<TRequest>(in TRequest request, KeySourceOptions[] sources, out string value)
        where TRequest : struct, IKeyRequest
    {
        foreach (var source in sources)
        {
            value = source.Type switch
            {
                KeySourceType.Header => request.Header(source.Name),
                KeySourceType.Cookie => request.Cookie(source.Name),
                KeySourceType.Query => request.Query(source.Name),
                KeySourceType.PathSegment => Segment(request.Path.Value, source.Index),
                KeySourceType.ClientIp => request.ClientIp(),
                _ => "",
            };
            if (value.Length > 0)
            {
                return true;
            }
        }

        value = "";
        return false;
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
