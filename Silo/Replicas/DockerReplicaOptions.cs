using System.ComponentModel.DataAnnotations;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>The Docker runtime, section <c>Replicas:Docker</c>.</summary>
internal sealed class DockerReplicaOptions
{
    public const string Section = "Replicas:Docker";

    private const string DockerName = "^[A-Za-z0-9][A-Za-z0-9_.-]*$";

    /// <summary>The engine; empty: <c>DOCKER_HOST</c>, else <c>unix:///var/run/docker.sock</c>.</summary>
    public string Endpoint { get; set; } = "";

    [Required]
    public string Image { get; set; } = "orleans-lb/backend:dev";

    /// <summary>A user-defined bridge network, created when missing.</summary>
    [Required, RegularExpression(DockerName, ErrorMessage = "Replicas:Docker:Network must be a Docker network name.")]
    public string Network { get; set; } = "load_balancer_net1";

    /// <summary>
    /// Marks the containers that belong to this cluster (label <c>orleans-lb.cluster</c>, and part of their names).
    /// Empty (the default): <c>Cluster:ClusterId</c>, so that two clusters on one engine never take each other's
    /// containers for strays.
    /// </summary>
    [StringLength(63), RegularExpression(DockerName, ErrorMessage = "Replicas:Docker:ClusterId may hold letters, digits, '_', '.' and '-', starting with a letter or digit.")]
    public string ClusterId { get; set; } = "";

    /// <summary>
    /// <c>Loopback</c>: the silo runs on the host; each container's port is published on 127.0.0.1 at an ephemeral port.
    /// <c>Network</c>: the silo runs in a container on the same network and reaches replicas by container name.
    /// </summary>
    public DockerAddressMode AddressMode { get; set; } = DockerAddressMode.Loopback;

    [Range(1, 65535)]
    public int ContainerPort { get; set; } = 5000;

    [Range(0, 300)]
    public int StopTimeoutSeconds { get; set; } = 2;

    public string ResolveEndpoint() =>
        !string.IsNullOrWhiteSpace(Endpoint) ? Endpoint
        : Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host ? host
        : "unix:///var/run/docker.sock";
}

internal enum DockerAddressMode
{
    Loopback,
    Network,
}
