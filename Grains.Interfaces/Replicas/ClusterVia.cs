namespace Orleans.LoadBalancer.Replicas;

/// <summary>
/// How the members of a cluster name themselves in <c>Via</c> (RFC 9110 §7.6.3): <c>&lt;cluster id&gt;~&lt;name&gt;</c>,
/// each part cleaned to letters, digits, <c>.</c>, <c>_</c> and <c>-</c>, so that <c>&lt;cluster id&gt;~</c> marks every
/// member of the cluster and no one else's. Gateways add it to proxied requests, the replica manager to its probes of
/// external replicas; a gateway answers 508 to a request that carries its cluster's mark.
/// </summary>
public static class ClusterVia
{
    public const string Header = "Via";

    /// <summary>The replica manager's name in the <c>Via</c> of its health probes.</summary>
    public const string ManagerName = "replica-manager";

    private const char Separator = '~';

    /// <summary>What every member's pseudonym starts with.</summary>
    public static string Mark(string clusterId) => Clean(clusterId) + Separator;

    /// <summary>A member's pseudonym: <c>&lt;cluster id&gt;~&lt;name&gt;</c>.</summary>
    public static string Pseudonym(string clusterId, string name) => Mark(clusterId) + Clean(name);

    private static string Clean(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return string.Create(value.Length, value, static (span, source) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                var c = source[i];
                span[i] = char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_';
            }
        });
    }
}
