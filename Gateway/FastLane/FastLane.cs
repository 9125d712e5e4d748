using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Admin;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.Keys;
using Orleans.LoadBalancer.Gateway.Metrics;
using Orleans.LoadBalancer.Gateway.Proxy;
using Orleans.LoadBalancer.Gateway.Proxy.Upstream;
using Orleans.LoadBalancer.Gateway.Routing;

namespace Orleans.LoadBalancer.Gateway.FastLane;

/// <summary>
/// The fast lane (<c>Gateway:FastLane</c>): Kestrel connection middleware on the traffic port that proxies plain
/// HTTP/1.1 requests itself, with no <c>HttpContext</c>, and hands every other connection, its bytes unconsumed, to
/// Kestrel's HTTP pipeline for good (<see cref="RequestHeadReader"/>, <see cref="FastLaneAdmission"/>). Routing, retries,
/// outlier detection, in-flight counts, metrics, forwarded fields and the gateway's error bodies are the Kestrel lane's
/// own rules (<see cref="RouteSelector"/>, <see cref="ReplicaRetries"/>, <see cref="RetryRules"/>); what the lane does
/// not do itself (the access log, tracing, stream idle limits, cookie and query keys, trusted proxies' forwarded
/// chains, chunked uploads) it leaves to Kestrel's lane by handing such requests over.
/// </summary>
internal sealed class FastLane : IDisposable
{
    public FastLane(
        RingSnapshotStore store,
        GatewaySettingsStore settings,
        ReplicaProxy proxy,
        GatewayMetrics metrics,
        GatewayVia via,
        AdminAccess access,
        IOptions<GatewayOptions> options,
        IOptions<KestrelServerOptions> kestrel,
        IHostApplicationLifetime lifetime,
        ILogger<FastLane> logger)
    {
        Store = store;
        Settings = settings;
        Retries = proxy.Retries;
        Metrics = metrics;
        Lifetime = lifetime;
        Logger = logger;
        AdminPorts = access.AdminPorts;
        var gateway = options.Value;
        TrustedProxies = new TrustedProxies(gateway.TrustedProxies);
        RequestIdHeader = gateway.RequestIdHeader;
        RequestIdHeaderBytes = Encoding.ASCII.GetBytes(gateway.RequestIdHeader);
        RewriteNotFound = gateway.RewriteNotFound;
        MaxRequestBodySize = gateway.MaxRequestBodySize;
        ViaLine = Encoding.ASCII.GetBytes($"{GatewayVia.Header}: {via.EntryFor("HTTP/1.1")}\r\n");
        var limits = kestrel.Value.Limits;
        HeadLimits = new RequestHeadLimits(limits.MaxRequestLineSize, limits.MaxRequestHeadersTotalSize, limits.MaxRequestHeaderCount);
        KeepAliveTimeout = limits.KeepAliveTimeout;
        RequestHeadersTimeout = limits.RequestHeadersTimeout;
        MinBodyRate = limits.MinRequestBodyDataRate;
        Pools = new LeanConnectionPools(new LeanClientSettings(gateway.ConnectTimeout, UpstreamInvoker.IdleTimeout));
    }

    public RingSnapshotStore Store { get; }

    public GatewaySettingsStore Settings { get; }

    public ReplicaRetries Retries { get; }

    public GatewayMetrics Metrics { get; }

    public IHostApplicationLifetime Lifetime { get; }

    public ILogger Logger { get; }

    public System.Collections.Frozen.FrozenSet<int> AdminPorts { get; }

    public TrustedProxies TrustedProxies { get; }

    public string RequestIdHeader { get; }

    public byte[] RequestIdHeaderBytes { get; }

    public bool RewriteNotFound { get; }

    public long MaxRequestBodySize { get; }

    /// <summary>This gateway's <c>Via</c> line, for requests received as HTTP/1.1 (the only ones the lane takes).</summary>
    public byte[] ViaLine { get; }

    public RequestHeadLimits HeadLimits { get; }

    public TimeSpan KeepAliveTimeout { get; }

    public TimeSpan RequestHeadersTimeout { get; }

    public MinDataRate? MinBodyRate { get; }

    public LeanConnectionPools Pools { get; }

    /// <summary>Kestrel connection middleware: serves the connection in the lane, or hands it on to <paramref name="next"/>.</summary>
    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (IsForTheLane(connection))
        {
            if (await new FastLaneConnection(this, connection).ServeAsync())
            {
                return;
            }

            Metrics.FastLaneHandedOver();
        }

        await next(connection);
    }

    public void Dispose() => Pools.Dispose();

    /// <summary>
    /// Plain-text traffic once the gateway has its first ring: not an admin port, and not TLS (whose bytes this layer
    /// sees encrypted; HTTPS stays in Kestrel's lane).
    /// </summary>
    private bool IsForTheLane(ConnectionContext connection) =>
        Lifetime.ApplicationStarted.IsCancellationRequested
        && connection.Features.Get<Microsoft.AspNetCore.Http.Features.ITlsConnectionFeature>() is null
        && connection.Features.Get<ITlsHandshakeFeature>() is null
        && !(AdminPorts.Count > 0 && connection.LocalEndPoint is System.Net.IPEndPoint local && AdminPorts.Contains(local.Port));
}
