using System.Net;
using System.Net.Sockets;

namespace Orleans.LoadBalancer.Gateway.Configuration;

/// <summary>How an entry of <c>Gateway:TrustedProxies</c> reads, and the address form it is compared in.</summary>
internal static class TrustedProxyEntry
{
    /// <summary>An address (<c>10.0.0.7</c>, <c>::1</c>) or a network (<c>10.0.0.0/8</c>, <c>fd00::/8</c>).</summary>
    public static bool TryParse(string? entry, out System.Net.IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(entry))
        {
            return false;
        }

        var text = entry.Trim();
        if (text.Contains('/', StringComparison.Ordinal))
        {
            return System.Net.IPNetwork.TryParse(text, out network);
        }

        if (!IPAddress.TryParse(text, out var address))
        {
            return false;
        }

        address = Normalize(address);
        network = new System.Net.IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }

    /// <summary>An IPv4 peer on a dual-stack socket shows as <c>::ffff:a.b.c.d</c>; it is the IPv4 address.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
