using System.Globalization;

namespace Orleans.LoadBalancer.HealthProbe;

/// <summary>
/// Where the program in this container listens, read from the same environment it was started with: <c>URLS</c>
/// (any case), <c>ASPNETCORE_URLS</c> or <c>DOTNET_URLS</c> (the gateway and the silo), else <c>PORT</c> (the replica),
/// else <c>ASPNETCORE_HTTP_PORTS</c>, else Kestrel's default port 5000. A wildcard host (<c>0.0.0.0</c>, <c>*</c>,
/// <c>+</c>, <c>[::]</c>) is probed on 127.0.0.1. Deriving it, instead of writing a port into the image, keeps the
/// check right when compose or the silo changes the port (<c>Replicas:Docker:ContainerPort</c>). The gateway's image asks
/// for its admin listeners first (<c>Admin__Urls</c>): with them set, the traffic port proxies <c>/healthz</c> to a
/// replica, and the gateway answers its own on the admin port.
/// </summary>
internal static class ProbeTarget
{
    private static readonly string[] Wildcards = ["0.0.0.0", "*", "+", "[::]", "localhost"];

    /// <summary>
    /// <paramref name="target"/> is a full URL (used as it is) or a path such as <c>/healthz</c>, appended to the
    /// listening address found in <paramref name="environment"/>.
    /// </summary>
    /// <param name="adminFirst">Probe where <c>Admin__Urls</c> listens when it is set (the gateway).</param>
    public static Uri Resolve(string target, IReadOnlyDictionary<string, string> environment, bool adminFirst = false)
    {
        if (Uri.TryCreate(target, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
        {
            return absolute;
        }

        if (!target.StartsWith('/'))
        {
            throw new ArgumentException($"'{target}' is neither an http(s) URL nor a path starting with '/'", nameof(target));
        }

        return new Uri(BaseAddress(environment, adminFirst), target);
    }

    private static Uri BaseAddress(IReadOnlyDictionary<string, string> environment, bool adminFirst)
    {
        var urls = (adminFirst ? Find(environment, "ADMIN__URLS") : null) ?? Find(environment, "URLS") ?? Find(environment, "ASPNETCORE_URLS") ?? Find(environment, "DOTNET_URLS");
        if (urls is not null)
        {
            var all = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            // Plain HTTP when the program offers it; HTTPS only when that is all there is.
            var chosen = all.FirstOrDefault(u => u.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? all.FirstOrDefault();
            if (chosen is not null)
            {
                return Loopback(chosen);
            }
        }

        var port = Find(environment, "PORT")
            ?? Find(environment, "ASPNETCORE_HTTP_PORTS")?.Split([';', ','], StringSplitOptions.RemoveEmptyEntries)[0]
            ?? "5000";
        return new Uri($"http://127.0.0.1:{int.Parse(port.Trim(), NumberStyles.None, CultureInfo.InvariantCulture)}");
    }

    /// <summary>Kestrel's wildcard hosts are not addresses: the probe goes to loopback on the same port.</summary>
    private static Uri Loopback(string url)
    {
        var scheme = url[..url.IndexOf("://", StringComparison.Ordinal)];
        var rest = url[(scheme.Length + 3)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash < 0 ? rest : rest[..slash];
        var colon = authority.LastIndexOf(':');
        var host = colon > 0 && !authority.EndsWith(']') ? authority[..colon] : authority;
        var port = colon > 0 && !authority.EndsWith(']') ? authority[colon..] : "";
        if (Wildcards.Contains(host, StringComparer.OrdinalIgnoreCase))
        {
            host = "127.0.0.1";
        }

        return new Uri($"{scheme.ToLowerInvariant()}://{host}{port}/");
    }

    private static string? Find(IReadOnlyDictionary<string, string> environment, string name) =>
        environment.FirstOrDefault(e => string.Equals(e.Key, name, StringComparison.OrdinalIgnoreCase) && e.Value.Trim().Length > 0).Value;
}
