using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.Keys;
using Orleans.LoadBalancer.Gateway.Metrics;
using Orleans.LoadBalancer.Gateway.Routing;

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
            new ReplicaRequestConfigs(gateway.StreamIdleTimeout == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : gateway.StreamIdleTimeout),
            gateway.AccessLog.Format,
            gateway.AccessLog.Key,
            ReloadableSettings.Describe(gateway, balancing, requestIdHeader));
    }
}
