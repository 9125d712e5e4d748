using System.Net;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.Keys;
using Orleans.LoadBalancer.Gateway.Metrics;
using Orleans.LoadBalancer.Gateway.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>Builds <see cref="GatewaySettings"/> from validated options, around the proxy's shared state (in-flight counts, suspects).</summary>
internal sealed class GatewaySettingsFactory(ReplicaSuspects suspects, InFlightTracker inFlight, GatewayMetrics metrics, IOptions<GatewayOptions> startup)
{
    public GatewaySettings Create(GatewayOptions gateway, BalancingOptions balancing)
    {
        // The request id header also names the header a generated key is returned in, which the response transformer
        // holds from start-up: it stays as started.
        var requestIdHeader = startup.Value.RequestIdHeader;
        // Trusted proxies are read at start-up, as the transformer that writes the forwarded headers holds them.
        var keys = new KeySelector(requestIdHeader, gateway.KeySources, gateway.Routes, new TrustedProxies(startup.Value.TrustedProxies));
        return new GatewaySettings(
            new RouteSelector(keys, suspects, inFlight, metrics, balancing.BalanceFactor),
            gateway.RetryAttempts,
            gateway.SuspectFor,
            RetryStatuses.Parse(gateway.RetryOnStatus),
            gateway.RetryBudget,
            gateway.Outlier,
            gateway.ReplicaTimeout,
            new ForwarderRequestConfig
            {
                // The forwarder's activity timeout covers the whole exchange, the wait for the head, bodies and upgraded
                // connections alike, and is reset by every byte moved: it is the stream idle limit, and infinite when
                // that is off. The wait for the head has its own limit (ResponseHeadersTimeoutHandler).
                ActivityTimeout = gateway.StreamIdleTimeout == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : gateway.StreamIdleTimeout,
                // Replicas speak HTTP/1.1 on plain http: ask for it exactly rather than for HTTP/2 and falling back.
                Version = HttpVersion.Version11,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            },
            gateway.AccessLog.Format,
            gateway.AccessLog.Key,
            ReloadableSettings.Describe(gateway, balancing, requestIdHeader));
    }
}
