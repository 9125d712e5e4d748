using System.ComponentModel.DataAnnotations;

namespace Orleans.LoadBalancer.Hosting;

/// <summary>How silos and gateways find each other and where state lives; section <c>Cluster</c>, shared by both.</summary>
public sealed class ClusterSettings
{
    public const string Section = "Cluster";

    /// <summary><c>Localhost</c> (the embedded default: one machine, state in a local file) or <c>Redis</c>.</summary>
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

    /// <summary>
    /// Redis connection string, with <c>Provider = Redis</c>. Keep <c>abortConnect=false</c>: a process that starts while
    /// Redis is down (or restarting) then keeps retrying instead of failing for good. <c>password=</c>, <c>user=</c> and
    /// <c>ssl=true</c> reach both clustering and storage; a Redis that refuses them stops start-up (<see cref="RedisAccessCheck"/>).
    /// </summary>
    public string RedisConnectionString { get; set; } = "127.0.0.1:6379,abortConnect=false";

    /// <summary>
    /// The silo's address as others reach it (a host name or IP), when silos and gateways run on different hosts or in
    /// containers; the silo listens on that address only. Empty: everything on 127.0.0.1.
    /// </summary>
    public string AdvertisedAddress { get; set; } = "";

    /// <summary>Gateways with <c>Provider = Localhost</c>: the silo host to connect to (default 127.0.0.1).</summary>
    public string GatewayHost { get; set; } = "";

    /// <summary>Resolves a host name or IP to an IPv4 address.</summary>
    public static System.Net.IPAddress Resolve(string host) =>
        System.Net.IPAddress.TryParse(host, out var ip) ? ip
        : System.Net.Dns.GetHostAddresses(host).First(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);

    /// <summary>
    /// How long a silo waits for a peer's answer to a liveness probe; two missed probes declare it dead. From 100 ms (a
    /// busy machine answers a probe in well under that) to one minute (a dead silo's grains wait for it that long).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Silos without Redis: where the ring's state (table, weights, drains, external replicas, algorithm) is kept, one
    /// folder per <see cref="ServiceId"/>. Empty: <c>$STATE_DIRECTORY</c> (systemd), else <c>$XDG_STATE_HOME/orleans-lb</c>,
    /// else <c>~/.local/state/orleans-lb</c>. Silos of one cluster on one machine share it, as they would share Redis.
    /// </summary>
    public string StateDirectory { get; set; } = "";

    /// <summary>TLS between silos and from gateways to silos (off by default).</summary>
    public ClusterTlsSettings Tls { get; set; } = new();

    public bool IsRedis => string.Equals(Provider, "Redis", StringComparison.Ordinal);
}
