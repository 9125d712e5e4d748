using System.ComponentModel.DataAnnotations;

namespace Orleans.LoadBalancer.Hosting;

/// <summary>How silos and gateways find each other and where state lives; section <c>Cluster</c>, shared by both.</summary>
public sealed class ClusterSettings
{
    public const string Section = "Cluster";

    /// <summary><c>Localhost</c> (the embedded default: one machine, memory storage) or <c>Redis</c>.</summary>
    [Required, RegularExpression("^(Localhost|Redis)$", ErrorMessage = "Cluster:Provider must be 'Localhost' or 'Redis'.")]
    public string Provider { get; set; } = "Localhost";

    [Required]
    public string ClusterId { get; set; } = "orleans-lb";

    [Required]
    public string ServiceId { get; set; } = "orleans-lb";

    /// <summary>Silo-to-silo port.</summary>
    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>The port gateways (Orleans clients) connect to.</summary>
    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Localhost clustering: the first silo's port, which every other silo joins through.</summary>
    [Range(1, 65535)]
    public int PrimarySiloPort { get; set; } = 11111;

    /// <summary>Redis connection string, with <c>Provider = Redis</c>.</summary>
    public string RedisConnectionString { get; set; } = "127.0.0.1:6379";

    public bool IsRedis => string.Equals(Provider, "Redis", StringComparison.Ordinal);
}
