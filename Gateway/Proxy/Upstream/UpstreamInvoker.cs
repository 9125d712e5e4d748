using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Orleans.LoadBalancer.Gateway.Configuration;

namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>
/// Builds the <see cref="ReplicaInvoker"/> the forwarder sends proxied requests with. The lean client speaks only
/// HTTP/1.1 to plain-http replicas and hands every other request (an HTTP/2 version asked for an <c>h2c</c> or <c>h2</c>
/// replica, https) to the SocketsHttpHandler beside it, so both kinds serve every replica protocol.
/// </summary>
internal static class UpstreamInvoker
{
    /// <summary>How long a pooled connection may sit idle before it is closed.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(1);

    /// <param name="replicaTrust">How an https replica's certificate is checked (<c>ReplicaTls:CaFile</c>); null: the system's trust store.</param>
    public static ReplicaInvoker Create(UpstreamClientKind kind, TimeSpan connectTimeout, X509ChainPolicy? replicaTrust = null)
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
        sockets.SslOptions.CertificateChainPolicy = replicaTrust;
        HttpMessageHandler client = kind == UpstreamClientKind.Lean
            ? new LeanHttpHandler(new LeanClientSettings(connectTimeout, IdleTimeout), sockets)
            : sockets;
        return new ReplicaInvoker(new ForwardingSpanHandler(new ResponseHeadersTimeoutHandler(client)));
    }
}
