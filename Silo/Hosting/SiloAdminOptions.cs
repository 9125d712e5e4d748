namespace Orleans.LoadBalancer.Silo.Hosting;

/// <summary>Section <c>Admin</c>: the same key the gateways use.</summary>
internal sealed class SiloAdminOptions
{
    public const string Section = "Admin";

    /// <summary>When set, the dashboard needs it: <c>Authorization: Bearer &lt;key&gt;</c>, or any user name with it as password.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Starts without <see cref="ApiKey"/> although the dashboard listens beyond loopback (protected mode off).</summary>
    public bool AllowAnonymous { get; set; }
}
