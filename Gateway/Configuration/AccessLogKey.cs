namespace Orleans.LoadBalancer.Gateway.Configuration;

/// <summary><c>Gateway:AccessLog:Key</c>: how the routing key appears in the access log.</summary>
internal enum AccessLogKey
{
    /// <summary>The key's position on the ring (16 hex digits): a key's requests can be grouped without the key itself being written.</summary>
    Hash,

    /// <summary>The key as the request carried it (a request id, a session cookie, a client address).</summary>
    Plain,
}
