namespace Orleans.LoadBalancer.Gateway.Configuration;

/// <summary>One place to take the routing key from; the first source that yields a value wins (like Envoy's hash_policy).</summary>
internal sealed class KeySourceOptions
{
    /// <summary><c>Header</c>, <c>Cookie</c>, <c>Query</c>, <c>PathSegment</c> or <c>ClientIp</c>.</summary>
    public KeySourceType Type { get; set; } = KeySourceType.Header;

    /// <summary>The header, cookie or query parameter name.</summary>
    public string Name { get; set; } = "";

    /// <summary><c>PathSegment</c>: which segment, 0 for the first (<c>/tenant-7/orders</c> → <c>tenant-7</c>).</summary>
    public int Index { get; set; }

    /// <summary><c>Cookie</c>: when no source yields a key, the gateway issues this cookie with the key it made up.</summary>
    public bool Issue { get; set; }

    /// <summary><c>Cookie</c>: lifetime of an issued cookie.</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromHours(1);
}

internal enum KeySourceType
{
    Header,
    Cookie,
    Query,
    PathSegment,
    ClientIp,
}
