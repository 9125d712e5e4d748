using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Docker.DotNet.Models;
using Orleans.LoadBalancer.Replicas;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>What a replica's container is made of (name, host name, labels, port, network) and where it is reached.</summary>
internal sealed class DockerContainerSpec(DockerReplicaOptions options)
{
    // Linux limits a host name to 64 bytes; a longer container name is shortened (with a hash, to stay distinct).
    private const int MaxHostnameLength = 63;

    /// <summary>The variables the runtime sets itself; <c>Replicas:Docker:Environment</c> may not name them.</summary>
    public static readonly IReadOnlyList<string> RuntimeVariables = ["SERVER_ID", "PORT"];

    private string Port => $"{options.ContainerPort}/tcp";

    /// <summary>"Server 1" becomes "orleans-lb-&lt;cluster&gt;-server-1": the slug is a valid DNS label and container name part.</summary>
    public string ContainerName(string replica) => $"orleans-lb-{options.ClusterId}-{ReplicaNames.Slug(replica)}";

    /// <summary>The container of replica <paramref name="name"/>, labelled as this cluster's with its place in the order of addition.</summary>
    public CreateContainerParameters Create(string name, long ordinal)
    {
        var containerName = ContainerName(name);
        return new CreateContainerParameters
        {
            Name = containerName,
            Hostname = Hostname(containerName),
            Image = options.Image,
            Env = [$"SERVER_ID={name}", $"PORT={options.ContainerPort}", .. options.Environment.Select(v => $"{v.Key}={v.Value}")],
            Labels = new Dictionary<string, string>
            {
                [DockerReplicaRuntime.ClusterLabel] = options.ClusterId,
                [DockerReplicaRuntime.ReplicaLabel] = name,
                [DockerReplicaRuntime.OrdinalLabel] = ordinal.ToString(CultureInfo.InvariantCulture),
            },
            ExposedPorts = new Dictionary<string, EmptyStruct> { [Port] = default },
            HostConfig = new HostConfig
            {
                NetworkMode = options.Network,
                RestartPolicy = new RestartPolicy { Name = RestartPolicyKind.No },
                Binds = [.. options.Mounts.Select(m => m.Bind)],
                NanoCPUs = options.NanoCpus,
                Memory = options.MemoryBytes,
                PortBindings = options.AddressMode == DockerAddressMode.Loopback
                    ? new Dictionary<string, IList<PortBinding>> { [Port] = [new PortBinding { HostIP = "127.0.0.1", HostPort = "0" }] }
                    : null,
            },
            NetworkingConfig = new NetworkingConfig
            {
                EndpointsConfig = new Dictionary<string, EndpointSettings> { [options.Network] = new EndpointSettings { Aliases = [containerName] } },
            },
        };
    }

    /// <summary>Where the gateways reach the replica: by its name on the network, or at the loopback port Docker published.</summary>
    public string? AddressOf(ContainerInspectResponse container, string name)
    {
        if (options.AddressMode == DockerAddressMode.Network)
        {
            return $"http://{ContainerName(name)}:{options.ContainerPort}";
        }

        return container.NetworkSettings?.Ports is { } ports && ports.TryGetValue(Port, out var bindings)
            && bindings?.FirstOrDefault(b => !string.IsNullOrEmpty(b.HostPort)) is { } binding
            ? $"http://127.0.0.1:{binding.HostPort}"
            : null;
    }

    private static string Hostname(string containerName)
    {
        if (containerName.Length <= MaxHostnameLength)
        {
            return containerName;
        }

        var hash = Convert.ToHexStringLower(XxHash32.Hash(Encoding.UTF8.GetBytes(containerName)));
        return $"{containerName[..(MaxHostnameLength - hash.Length - 1)].TrimEnd('-', '.', '_')}-{hash}";
    }
}
