namespace Orleans.LoadBalancer.Routing;

/// <summary>A stable 64-bit hash of a routing key: XxHash3 over its UTF-8 bytes, identical in every process.</summary>
public static class KeyHash
{
    public static ulong Hash(ReadOnlySpan<char> key) => throw new NotImplementedException();
}
