using System.Net;
using Microsoft.Extensions.Primitives;
using Orleans.LoadBalancer.Gateway.Configuration;

namespace Orleans.LoadBalancer.Gateway.Keys;

/// <summary>
/// The proxies in front of the gateway (<c>Gateway:TrustedProxies</c>): only a request whose immediate peer is one of
/// them has its <c>X-Forwarded-For</c> believed. The client is then the nearest address in that chain that is not a
/// trusted proxy, read from the right, as nginx's <c>real_ip_recursive</c> does. Empty: the peer is the client.
/// </summary>
internal sealed class TrustedProxies
{
    public const string ForwardedForHeader = "X-Forwarded-For";

    private readonly System.Net.IPNetwork[] _networks;

    public TrustedProxies(IEnumerable<string> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _networks = entries
            .Select(e => TrustedProxyEntry.TryParse(e, out var network)
                ? network
                : throw new ArgumentException($"'{e}' is neither an IP address nor a network in CIDR notation", nameof(entries)))
            .ToArray();
    }

    public static TrustedProxies None { get; } = new([]);

    public bool IsEmpty => _networks.Length == 0;

    /// <summary>Whether <paramref name="address"/> is one of the trusted proxies.</summary>
    public bool Trusts(IPAddress? address)
    {
        if (address is null || _networks.Length == 0)
        {
            return false;
        }

        address = TrustedProxyEntry.Normalize(address);
        foreach (var network in _networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The client's address: the peer's, unless the peer is trusted and forwarded the request for someone.</summary>
    public IPAddress? ClientOf(HttpContext context)
    {
        var peer = context.Connection.RemoteIpAddress;
        if (peer is null || !Trusts(peer))
        {
            return peer is null ? null : TrustedProxyEntry.Normalize(peer);
        }

        return ClientOf(TrustedProxyEntry.Normalize(peer), context.Request.Headers[ForwardedForHeader]);
    }

    /// <summary>Walks <paramref name="forwardedFor"/> from the right past trusted proxies; a malformed entry ends the walk.</summary>
    public IPAddress ClientOf(IPAddress trustedPeer, StringValues forwardedFor)
    {
        var client = trustedPeer;
        for (var line = forwardedFor.Count - 1; line >= 0; line--)
        {
            var remaining = (forwardedFor[line] ?? "").AsSpan();
            while (remaining.Length > 0)
            {
                var comma = remaining.LastIndexOf(',');
                var entry = remaining[(comma + 1)..].Trim();
                remaining = comma < 0 ? [] : remaining[..comma];
                if (entry.Length == 0)
                {
                    continue;
                }

                if (!TryParseAddress(entry, out var address))
                {
                    return client;
                }

                client = address;
                if (!Trusts(client))
                {
                    return client;
                }
            }
        }

        return client;
    }

    /// <summary><c>203.0.113.7</c>, <c>203.0.113.7:4711</c>, <c>2001:db8::1</c> or <c>[2001:db8::1]:4711</c>.</summary>
    private static bool TryParseAddress(ReadOnlySpan<char> entry, out IPAddress address)
    {
        if (IPEndPoint.TryParse(entry, out var endPoint))
        {
            address = TrustedProxyEntry.Normalize(endPoint.Address);
            return true;
        }

        address = IPAddress.None;
        return false;
    }
}
