using Orleans.LoadBalancer.Gateway.Proxy.Upstream;

namespace Orleans.LoadBalancer.Gateway.FastLane;

/// <summary>
/// A request head the fast lane takes, located in the bytes it was read from: the method is
/// <c>[0, <paramref name="MethodLength"/>)</c>, the target and the <c>Host</c> value are the ranges given, and the head
/// with its final CRLF is <paramref name="HeadLength"/> bytes. <paramref name="Framing"/> is never
/// <see cref="BodyFraming.UntilClose"/>: a request has a length, chunks, or no body.
/// </summary>
internal readonly record struct RequestHead(
    int HeadLength,
    int MethodLength,
    Range Target,
    Range Host,
    BodyFraming Framing,
    long ContentLength,
    bool Close)
{
    /// <summary>Whether a body follows the head: a length above zero, or chunks (which may turn out empty).</summary>
    public bool HasBody => ContentLength > 0 || Framing == BodyFraming.Chunked;
}
