using Orleans.LoadBalancer.Gateway.Configuration;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// The settings the proxy runs with now, built whole from one reading of the configuration and replaced whole when it
/// changes (<see cref="GatewaySettingsStore"/>). A request reads them once and keeps them to its end, retries included.
/// </summary>
/// <param name="Router">Key sources, routes and the balance factor.</param>
/// <param name="RetryAttempts"><c>Gateway:RetryAttempts</c>.</param>
/// <param name="SuspectFor"><c>Gateway:SuspectFor</c>.</param>
/// <param name="RetryOnStatus"><c>Gateway:RetryOnStatus</c>, parsed (empty: off).</param>
/// <param name="RetryBudget"><c>Gateway:RetryBudget</c>.</param>
/// <param name="Outlier"><c>Gateway:Outlier</c>.</param>
/// <param name="ResponseHeadersTimeout"><c>Gateway:ReplicaTimeout</c>: how long a replica may take to send its response head.</param>
/// <param name="RequestConfigs">The forwarder's per-request settings for each replica protocol: their activity timeout is <c>Gateway:StreamIdleTimeout</c> (infinite when off).</param>
/// <param name="AccessLog"><c>Gateway:AccessLog:Format</c>.</param>
/// <param name="AccessLogKey"><c>Gateway:AccessLog:Key</c>.</param>
/// <param name="Values">What they were built from, by configuration key, as the reload log shows them.</param>
internal sealed record GatewaySettings(
    RouteSelector Router,
    int RetryAttempts,
    TimeSpan SuspectFor,
    int[] RetryOnStatus,
    RetryBudgetOptions RetryBudget,
    OutlierOptions Outlier,
    TimeSpan ResponseHeadersTimeout,
    ReplicaRequestConfigs RequestConfigs,
    AccessLogFormat AccessLog,
    AccessLogKey AccessLogKey,
    IReadOnlyDictionary<string, string> Values);
