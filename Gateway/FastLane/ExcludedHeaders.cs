namespace Orleans.LoadBalancer.Gateway.FastLane;

/// <summary>
/// The fields a proxy never passes on in either direction, as YARP's forwarder drops them in the Kestrel lane:
/// hop-by-hop and connection-specific ones (<c>Connection</c>, <c>Keep-Alive</c>, <c>Transfer-Encoding</c>, <c>TE</c>,
/// <c>Upgrade</c>, <c>Proxy-*</c>…). The lane writes its own framing and connection fields.
/// </summary>
internal static class ExcludedHeaders
{
    private static readonly byte[][] Names =
    [
        "Connection"u8.ToArray(), "Transfer-Encoding"u8.ToArray(), "Keep-Alive"u8.ToArray(), "Upgrade"u8.ToArray(),
        "Proxy-Connection"u8.ToArray(), "Proxy-Authenticate"u8.ToArray(), "Proxy-Authentication-Info"u8.ToArray(),
        "Proxy-Authorization"u8.ToArray(), "Proxy-Features"u8.ToArray(), "Proxy-Instruction"u8.ToArray(),
        "Security-Scheme"u8.ToArray(), "ALPN"u8.ToArray(), "Close"u8.ToArray(), "TE"u8.ToArray(), "Alt-Svc"u8.ToArray(),
    ];

    public static bool Contains(ReadOnlySpan<byte> name)
    {
        foreach (var excluded in Names)
        {
            if (excluded.Length == name.Length && System.Text.Ascii.EqualsIgnoreCase(name, excluded))
            {
                return true;
            }
        }

        return false;
    }
}
