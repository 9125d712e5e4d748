namespace Orleans.LoadBalancer.Gateway.Hosting;

/// <summary>Section <c>Admin</c>.</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>When set, <c>/add</c> and <c>/rm</c> require <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    public string? ApiKey { get; set; }
}
