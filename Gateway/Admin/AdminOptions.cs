namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>Section <c>Admin</c>.</summary>
internal sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>
    /// When set, <c>/add</c>, <c>/rm</c> and <c>PUT /ring/algorithm</c> require <c>Authorization: Bearer &lt;key&gt;</c>
    /// (or HTTP Basic with the key as password).
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>Starts without <see cref="ApiKey"/> although the admin API listens beyond loopback (protected mode off).</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>
    /// <c>;</c>-separated URLs of listeners of their own for the admin API, <c>/replicas</c>, <c>/ring*</c> and <c>/metrics</c>;
    /// the traffic port (<c>Urls</c>) then proxies every path. Empty: one port serves both, as the seed does.
    /// </summary>
    public string? Urls { get; set; }
}
