using System.Net;
using Microsoft.Extensions.Configuration;

namespace Orleans.LoadBalancer.Hosting;

/// <summary>The addresses a program's Kestrel listens on, read as Kestrel reads them, and whether they stay on this machine.</summary>
public static class ListenAddresses
{
    /// <summary>Kestrel's address when nothing is configured.</summary>
    public const string KestrelDefault = "http://localhost:5000";

    /// <summary>
    /// <c>Kestrel:Endpoints:*:Url</c> when any is set (Kestrel then ignores the rest), else <c>Urls</c>, else
    /// <c>HTTP_PORTS</c>/<c>HTTPS_PORTS</c> (every interface), else Kestrel's default.
    /// </summary>
    public static IReadOnlyList<string> Of(IConfiguration configuration)
    {
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Select(e => e["Url"]).OfType<string>().Where(u => u.Length > 0).ToList();
        if (endpoints.Count > 0)
        {
            return endpoints;
        }

        var urls = Split(configuration["urls"]);
        if (urls.Count > 0)
        {
            return urls;
        }

        var ports = Split(configuration["http_ports"]).Select(p => $"http://*:{p}")
            .Concat(Split(configuration["https_ports"]).Select(p => $"https://*:{p}")).ToList();
        return ports.Count > 0 ? ports : [KestrelDefault];
    }

    /// <summary>True when Kestrel's endpoints come from <c>Kestrel:Endpoints</c>, which override <c>Urls</c>.</summary>
    public static bool HasKestrelEndpoints(IConfiguration configuration) =>
        configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();

    /// <summary>A <c>;</c>-separated list, as <c>Urls</c> is written.</summary>
    public static IReadOnlyList<string> Split(string? urls) =>
        (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// True for <c>localhost</c>, 127.0.0.0/8, <c>[::1]</c> and Unix sockets; false for <c>*</c>, <c>+</c>, <c>0.0.0.0</c>,
    /// <c>[::]</c>, any other address and host names (Kestrel binds those on every interface), and for what does not parse.
    /// </summary>
    public static bool IsLoopback(string url)
    {
        if (Host(url) is not { } host)
        {
            return false;
        }

        if (host.StartsWith("unix:", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>The port of <paramref name="url"/> (the scheme's default when none is written), or null for a Unix socket or what does not parse.</summary>
    public static int? Port(string url)
    {
        if (Host(url) is not { } host || host.StartsWith("unix:", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var rest = Authority(url)![host.Length..];
        if (rest.Length == 0)
        {
            return url.StartsWith("https:", StringComparison.OrdinalIgnoreCase) ? 443 : url.StartsWith("http:", StringComparison.OrdinalIgnoreCase) ? 80 : null;
        }

        return rest[0] == ':' && int.TryParse(rest[1..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            && port <= 65535 ? port : null;
    }

    private static string? Authority(string url)
    {
        var start = url.IndexOf("://", StringComparison.Ordinal);
        if (start <= 0)
        {
            return null;
        }

        var authority = url[(start + 3)..];
        if (authority.StartsWith("unix:", StringComparison.OrdinalIgnoreCase))
        {
            return authority;
        }

        var end = authority.IndexOf('/', StringComparison.Ordinal);
        return end < 0 ? authority : authority[..end];
    }

    private static string? Host(string url)
    {
        var authority = Authority(url);
        if (string.IsNullOrEmpty(authority))
        {
            return null;
        }

        if (authority.StartsWith("unix:", StringComparison.OrdinalIgnoreCase))
        {
            return authority;
        }

        if (authority[0] == '[')
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            return close < 0 ? null : authority[..(close + 1)];
        }

        var colon = authority.IndexOf(':', StringComparison.Ordinal);
        var host = colon < 0 ? authority : authority[..colon];
        return host.Length == 0 ? null : host;
    }
}
