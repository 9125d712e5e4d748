using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>
/// The replica runtimes by name (<c>Replicas:Runtime</c>). A new runtime (say, Kubernetes) is one more entry here and an
/// <see cref="IReplicaRuntime"/>; nothing else compares runtime names.
/// </summary>
internal static class ReplicaRuntimes
{
    private static readonly Dictionary<string, Action<WebApplicationBuilder>> Registered = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Process"] = AddProcess,
        ["Docker"] = AddDocker,
    };

    public static IReadOnlyCollection<string> Names => Registered.Keys;

    /// <summary>Registers the runtime <paramref name="name"/> names (checked by <see cref="ReplicaRuntimeValidator"/>) as the silo's <see cref="IReplicaRuntime"/>.</summary>
    public static void AddReplicaRuntime(this WebApplicationBuilder builder, string name) => Registered[name](builder);

    private static void AddProcess(WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ProcessReplicaOptions>()
            // Replicas outlive a crashed silo (the next one adopts them); several silos share them, so a normal stop
            // leaves them too. Set before the section is bound, so that it can still say otherwise.
            .Configure<IOptions<ClusterSettings>>((o, cluster) => o.KeepOnStop = cluster.Value.IsRedis);
        builder.Services.AddSettings<ProcessReplicaOptions>(ProcessReplicaOptions.Section);
        builder.Services.AddSingleton<IReplicaRuntime, LocalProcessReplicaRuntime>();
    }

    private static void AddDocker(WebApplicationBuilder builder)
    {
        builder.Services.AddSettings<DockerReplicaOptions>(DockerReplicaOptions.Section)
            .PostConfigure<IOptions<ClusterSettings>>((o, cluster) =>
            {
                if (string.IsNullOrWhiteSpace(o.ClusterId))
                {
                    o.ClusterId = cluster.Value.ClusterId;
                }
            });
        builder.Services.AddSingleton<IReplicaRuntime, DockerReplicaRuntime>();
    }
}
