namespace Orleans.LoadBalancer.Gateway.FastLane;

/// <summary>
/// The head limits Kestrel enforces (<c>KestrelServerLimits</c>): a head the fast lane reads within them is one Kestrel
/// would read too, and one beyond them goes to Kestrel, which answers it as it always does (414, 431).
/// </summary>
internal readonly record struct RequestHeadLimits(int MaxRequestLineSize, int MaxRequestHeadersTotalSize, int MaxRequestHeaderCount)
{
    /// <summary>Kestrel's defaults: 8 KiB request line, 32 KiB of header fields, 100 fields.</summary>
    public static RequestHeadLimits Kestrel { get; } = new(8 * 1024, 32 * 1024, 100);
}
