using System.Net;
using Orleans.LoadBalancer.Gateway.Configuration;

namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>Builds the <see cref="HttpMessageInvoker"/> the forwarder sends proxied requests with.</summary>
internal static class UpstreamInvoker
{
    /// <summary>How long a pooled connection may sit idle before it is closed.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(1);

    public static HttpMessageInvoker Create(UpstreamClientKind kind, TimeSpan connectTimeout)
    {
        var sockets = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = connectTimeout,
            PooledConnectionIdleTimeout = IdleTimeout,
            ActivityHeadersPropagator = null,
        };
        return kind == UpstreamClientKind.Lean
            ? new HttpMessageInvoker(new LeanHttpHandler(new LeanClientSettings(connectTimeout, IdleTimeout), sockets))
            : new HttpMessageInvoker(sockets);
    }
}
