namespace Orleans.LoadBalancer.Gateway.FastLane;

/// <summary>
/// The fields a proxy never passes on in either direction, as YARP's forwarder drops them in the Kestrel lane:
/// hop-by-hop and connection-specific ones (<c>Connection</c>, <c>Keep-Alive</c>, <c>Transfer-Encoding</c>, <c>TE</c>,
/// <c>Upgrade</c>, <c>Proxy-*</c>…). The lane writes its own framing and connection fields.
/// </summary>
internal static class ExcludedHeaders
{
    private static readonly FieldNameSet Names = new(
    [
        "Connection", "Transfer-Encoding", "Keep-Alive", "Upgrade", "Proxy-Connection", "Proxy-Authenticate",
        "Proxy-Authentication-Info", "Proxy-Authorization", "Proxy-Features", "Proxy-Instruction", "Security-Scheme", "ALPN",
        "Close", "TE", "Alt-Svc",
    ]);

    public static bool Contains(ReadOnlySpan<byte> name) => Names.Contains(name);
}
