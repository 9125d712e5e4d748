using System.Net;
using System.Text;
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
            // The request's traceparent passes as it came, or as ForwardingSpanHandler rewrote it when tracing is on.
            ActivityHeadersPropagator = null,
            // One char per byte for every header, Location included (which it would otherwise read as UTF-8), so that
            // Kestrel, writing them back as Latin-1, sends the replica's bytes unchanged.
            ResponseHeaderEncodingSelector = static (_, _) => Encoding.Latin1,
        };
        HttpMessageHandler client = kind == UpstreamClientKind.Lean
            ? new LeanHttpHandler(new LeanClientSettings(connectTimeout, IdleTimeout), sockets)
            : sockets;
        return new HttpMessageInvoker(new ForwardingSpanHandler(new ResponseHeadersTimeoutHandler(client)));
    }
}
