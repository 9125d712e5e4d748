using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Replicas;

/// <summary>
/// How the health loop checks an external replica: <c>GET {address}{healthPath}</c>, healthy when the status is in its
/// <c>healthStatus</c>. Each replica may name its own (<see cref="ReplicaRecord.HealthPath"/>,
/// <see cref="ReplicaRecord.HealthStatus"/>); empty means the cluster's <c>Replicas:ExternalHealthPath</c> and 2xx/3xx.
/// </summary>
public static class ExternalHealthCheck
{
    public const int MaxPathLength = 256;

    /// <summary>The rule for <c>healthPath</c>, null when <paramref name="path"/> is empty (not given) or keeps it.</summary>
    public static string? CheckPath(string field, string? path)
    {
        if (string.IsNullOrEmpty(path) || (path.Length <= MaxPathLength && path[0] == '/' && path.All(c => c is > ' ' and < '\u007f' and not '#')))
        {
            return null;
        }

        return $"{field} must be a path that starts with '/', of at most {MaxPathLength} visible ASCII characters (no spaces or '#'), not '{Shown(path)}'";
    }

    /// <summary>The rule for <c>healthStatus</c>, null when <paramref name="status"/> is empty (not given) or keeps it.</summary>
    public static string? CheckStatus(string field, string? status) =>
        string.IsNullOrEmpty(status) || HealthStatusRange.Parse(status) is not null
            ? null
            : $"{field} must be a status from 100 to 599 (204) or a range of them (\"200-399\"), not '{Shown(status)}'";

    /// <summary>The path the health loop asks <paramref name="replica"/>; <paramref name="configured"/> is <c>Replicas:ExternalHealthPath</c>.</summary>
    public static string PathOf(ReplicaRecord replica, string configured)
    {
        ArgumentNullException.ThrowIfNull(replica);
        return replica.HealthPath.Length > 0 ? replica.HealthPath : configured;
    }

    /// <summary>The statuses the health loop counts as healthy for <paramref name="replica"/>.</summary>
    public static HealthStatusRange StatusOf(ReplicaRecord replica)
    {
        ArgumentNullException.ThrowIfNull(replica);
        return HealthStatusRange.Parse(replica.HealthStatus) ?? HealthStatusRange.SuccessOrRedirect;
    }

    private static string Shown(string value) => ReplicaNames.Escape(value.Length > 64 ? value[..64] + "…" : value);
}
