namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>The lean client's limits.</summary>
/// <param name="ConnectTimeout"><c>Gateway:ConnectTimeout</c>.</param>
/// <param name="IdleTimeout">How long a pooled connection may sit idle (below Kestrel's 130 s keep-alive, as SocketsHttpHandler's was).</param>
/// <param name="MaxIdleConnectionsPerReplica">Idle connections kept per replica; more are closed when they come back.</param>
/// <param name="MaxResponseHeadLength">The largest response head taken (Kestrel's own request-head limit is 32 kB).</param>
public sealed record LeanClientSettings(
    TimeSpan ConnectTimeout,
    TimeSpan IdleTimeout,
    int MaxIdleConnectionsPerReplica = 256,
    int MaxResponseHeadLength = 64 * 1024);
