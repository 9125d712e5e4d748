using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>
/// The replica runtimes by name (<c>Replicas:Runtime</c>). A new runtime (say, Kubernetes) is one more entry here and an
/// <see cref="IReplicaRuntime"/>; nothing else compares runtime names.
/// </summary>
public static class ReplicaRuntimes
{
    private static readonly Dictionary<string, Action<WebApplicationBuilder, ClusterSettings>> Registered = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Process"] = AddProcess,
        ["Docker"] = AddDocker,
    };

    public static IReadOnlyCollection<string> Names => Registered.Keys;

    /// <summary>Registers the runtime <paramref name="name"/> names as the silo's <see cref="IReplicaRuntime"/>, with its settings validated now.</summary>
    public static void AddReplicaRuntime(this WebApplicationBuilder builder, string name, ClusterSettings cluster)
    {
        if (!Registered.TryGetValue(name, out var add))
        {
            throw new InvalidConfigurationException($"{ReplicaOptions.Section}:Runtime: '{name}' is not a replica runtime; use {string.Join(" or ", Names)}.");
        }

        add(builder, cluster);
    }

    private static void AddProcess(WebApplicationBuilder builder, ClusterSettings cluster)
    {
        builder.Services.AddOptions<ProcessReplicaOptions>()
            .Configure(o =>
            {
                // Replicas outlive a crashed silo (the next one adopts them); several silos share them, so a normal stop leaves them too.
                o.KeepOnStop = cluster.IsRedis;
                builder.Configuration.GetSection(ProcessReplicaOptions.Section).Bind(o);
            });
        builder.Services.AddSingleton<IReplicaRuntime, LocalProcessReplicaRuntime>();
    }

    private static void AddDocker(WebApplicationBuilder builder, ClusterSettings cluster)
    {
        var docker = builder.Configuration.GetSection(DockerReplicaOptions.Section).Get<DockerReplicaOptions>() ?? new DockerReplicaOptions();
        if (string.IsNullOrWhiteSpace(docker.ClusterId))
        {
            docker.ClusterId = cluster.ClusterId;
        }

        builder.Services.AddSingleton(Options.Create(docker.Validated(DockerReplicaOptions.Section)));
        builder.Services.AddSingleton<IReplicaRuntime, DockerReplicaRuntime>();
    }
}
