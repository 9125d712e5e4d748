using System.Globalization;

namespace Orleans.LoadBalancer.Gateway.Configuration;

/// <summary>
/// The gateway settings a running gateway takes from a reload, by configuration key, described for comparing and
/// logging. Every other gateway setting (ports, cluster, request id header, socket tuning) is read once at start-up.
/// </summary>
internal static class ReloadableSettings
{
    /// <summary>
    /// Every section the gateway reads (besides <c>Logging</c>, which the logging framework reloads itself, and
    /// <c>Routing</c>, where it reads only <see cref="BalanceFactor"/>): a changed key in them that is not live needs
    /// a restart, and a reload says so by name. Listeners (<c>Urls</c>, <c>Kestrel</c>, <c>Admin:Urls</c>) and
    /// <c>AllowedHosts</c> are among them: they decide the protected mode and the admin host filter at start-up.
    /// </summary>
    public static readonly string[] ReadSections =
        ["Urls", "http_ports", "https_ports", "Kestrel", "AllowedHosts", "Cluster", GatewayOptions.Section, "Admin"];

    /// <summary>Live beyond the proxy's settings (<see cref="ILiveSettings"/>): the admin key, checked with the protected-mode opt-out.</summary>
    public static readonly string[] LiveElsewhere = ["Admin:ApiKey", "Admin:AllowAnonymous"];

    public static readonly string KeySources = $"{GatewayOptions.Section}:{nameof(GatewayOptions.KeySources)}";
    public static readonly string Routes = $"{GatewayOptions.Section}:{nameof(GatewayOptions.Routes)}";
    public static readonly string BalanceFactor = $"{BalancingOptions.Section}:{nameof(BalancingOptions.BalanceFactor)}";
    public static readonly string ReplicaTimeout = $"{GatewayOptions.Section}:{nameof(GatewayOptions.ReplicaTimeout)}";
    public static readonly string StreamIdleTimeout = $"{GatewayOptions.Section}:{nameof(GatewayOptions.StreamIdleTimeout)}";
    public static readonly string RetryAttempts = $"{GatewayOptions.Section}:{nameof(GatewayOptions.RetryAttempts)}";
    public static readonly string SuspectFor = $"{GatewayOptions.Section}:{nameof(GatewayOptions.SuspectFor)}";
    public static readonly string RetryOnStatus = $"{GatewayOptions.Section}:{nameof(GatewayOptions.RetryOnStatus)}";
    public static readonly string RetryBudget = $"{GatewayOptions.Section}:{nameof(GatewayOptions.RetryBudget)}";
    public static readonly string Outlier = $"{GatewayOptions.Section}:{nameof(GatewayOptions.Outlier)}";
    public static readonly string AccessLogFormat = $"{GatewayOptions.Section}:{nameof(GatewayOptions.AccessLog)}:{nameof(AccessLogOptions.Format)}";
    public static readonly string AccessLogKey = $"{GatewayOptions.Section}:{nameof(GatewayOptions.AccessLog)}:{nameof(AccessLogOptions.Key)}";

    private static readonly string[] Keys = [KeySources, Routes, BalanceFactor, ReplicaTimeout, StreamIdleTimeout, RetryAttempts, SuspectFor, RetryOnStatus, RetryBudget, Outlier, AccessLogFormat, AccessLogKey];

    /// <summary>Whether configuration key <paramref name="key"/> (say <c>Gateway:KeySources:0:Type</c>) is one of them.</summary>
    public static bool Contains(string key) => Keys.Any(k => IsUnder(key, k));

    /// <summary>Whether a reload applies <paramref name="key"/>: one of these, or one of <see cref="LiveElsewhere"/>.</summary>
    public static bool IsLive(string key) => Contains(key) || LiveElsewhere.Any(k => IsUnder(key, k));

    private static bool IsUnder(string key, string setting) =>
        key.StartsWith(setting, StringComparison.OrdinalIgnoreCase) && (key.Length == setting.Length || key[setting.Length] == ':');

    /// <param name="requestIdHeader">The header the key comes from when no source is configured: the one the gateway started with.</param>
    public static IReadOnlyDictionary<string, string> Describe(GatewayOptions gateway, BalancingOptions balancing, string requestIdHeader) =>
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [KeySources] = gateway.KeySources.Count == 0 ? $"the {requestIdHeader} header" : Describe(gateway.KeySources),
            [Routes] = gateway.Routes.Count == 0 ? "none" : string.Join("; ", gateway.Routes.Select(r => $"{r.PathPrefix} → {Describe(r.KeySources)}")),
            [BalanceFactor] = balancing.BalanceFactor == 0 ? "0 (off)" : balancing.BalanceFactor.ToString(CultureInfo.InvariantCulture),
            [ReplicaTimeout] = gateway.ReplicaTimeout.ToString("c", CultureInfo.InvariantCulture),
            [StreamIdleTimeout] = gateway.StreamIdleTimeout == TimeSpan.Zero ? "0 (off)" : gateway.StreamIdleTimeout.ToString("c", CultureInfo.InvariantCulture),
            [RetryAttempts] = gateway.RetryAttempts.ToString(CultureInfo.InvariantCulture),
            [SuspectFor] = gateway.SuspectFor.ToString("c", CultureInfo.InvariantCulture),
            [RetryOnStatus] = RetryStatuses.Parse(gateway.RetryOnStatus) is { Length: > 0 } statuses ? string.Join(",", statuses) : "none (off)",
            [RetryBudget] = $"{gateway.RetryBudget.Percent}% of requests, at least {gateway.RetryBudget.MinRetries} per 10 s",
            [Outlier] = gateway.Outlier.ConsecutiveFailures == 0
                ? "0 (off)"
                : string.Create(CultureInfo.InvariantCulture, $"after {gateway.Outlier.ConsecutiveFailures} failures in a row, for {gateway.Outlier.BaseEjectionTime:c} per ejection up to {gateway.Outlier.MaxEjectionTime:c}, at most {gateway.Outlier.MaxEjectionPercent}% of replicas"),
            [AccessLogFormat] = gateway.AccessLog.Format.ToString().ToLowerInvariant(),
            [AccessLogKey] = gateway.AccessLog.Key.ToString().ToLowerInvariant(),
        };

    /// <summary>"key: old → new" for each setting that differs, in a fixed order.</summary>
    public static IReadOnlyList<string> Changes(IReadOnlyDictionary<string, string> running, IReadOnlyDictionary<string, string> next) =>
        Keys.Where(k => !string.Equals(running[k], next[k], StringComparison.Ordinal))
            .Select(k => $"{k}: {running[k]} → {next[k]}")
            .ToList();

    private static string Describe(IReadOnlyList<KeySourceOptions> sources) => sources.Count == 0 ? "none" : string.Join(", ", sources.Select(s => s.Type switch
    {
        KeySourceType.PathSegment => $"path segment {s.Index}",
        KeySourceType.ClientIp => "client IP",
        KeySourceType.Cookie when s.Issue => $"cookie {s.Name} (issued for {s.Ttl.ToString("c", CultureInfo.InvariantCulture)})",
        _ => $"{s.Type.ToString().ToLowerInvariant()} {s.Name}",
    }));
}
