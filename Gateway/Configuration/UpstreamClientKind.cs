namespace Orleans.LoadBalancer.Gateway.Configuration;

/// <summary><c>Gateway:UpstreamClient</c>: which HTTP client carries proxied requests to the replicas.</summary>
public enum UpstreamClientKind
{
    /// <summary>.NET's SocketsHttpHandler for every request.</summary>
    Sockets,

    /// <summary>The gateway's own HTTP/1.1 client for plain-http replicas (<c>Proxy/Upstream/LeanHttpHandler</c>); SocketsHttpHandler for the rest.</summary>
    Lean,
}
