namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>The Docker runtime, section <c>Replicas:Docker</c>.</summary>
public sealed class DockerReplicaOptions
{
    public const string Section = "Replicas:Docker";

    /// <summary>The engine; empty: <c>DOCKER_HOST</c>, else <c>unix:///var/run/docker.sock</c>.</summary>
    public string Endpoint { get; set; } = "";

    public string Image { get; set; } = "orleans-lb/backend:dev";

    /// <summary>A user-defined bridge network, created when missing.</summary>
    public string Network { get; set; } = "load_balancer_net1";

    /// <summary>Marks the containers that belong to this cluster (label <c>orleans-lb.cluster</c>).</summary>
    public string ClusterId { get; set; } = "default";

    /// <summary>
    /// <c>Loopback</c>: the silo runs on the host; each container's port is published on 127.0.0.1 at an ephemeral port.
    /// <c>Network</c>: the silo runs in a container on the same network and reaches replicas by container name.
    /// </summary>
    public DockerAddressMode AddressMode { get; set; } = DockerAddressMode.Loopback;

    public int ContainerPort { get; set; } = 5000;

    public int StopTimeoutSeconds { get; set; } = 2;

    public string ResolveEndpoint() =>
        !string.IsNullOrWhiteSpace(Endpoint) ? Endpoint
        : Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host ? host
        : "unix:///var/run/docker.sock";
}

public enum DockerAddressMode
{
    Loopback,
    Network,
}
