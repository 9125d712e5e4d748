namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary><c>Gateway:UpstreamClient</c>: which HTTP client carries proxied requests to the replicas.</summary>
public enum UpstreamClientKind
{
    /// <summary>.NET's SocketsHttpHandler for every request.</summary>
    Sockets,

    /// <summary>The gateway's own HTTP/1.1 client for plain-http replicas (<see cref="LeanHttpHandler"/>); SocketsHttpHandler for the rest.</summary>
    Lean,
}
