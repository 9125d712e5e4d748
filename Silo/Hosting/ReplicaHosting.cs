using Orleans.Configuration;
using Orleans.LoadBalancer.Grains.Hosts;
using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Hosting;
using Orleans.LoadBalancer.Silo.Replicas;

namespace Orleans.LoadBalancer.Silo.Hosting;

/// <summary>
/// Every silo as a host for replicas (<c>Replicas:Placement</c>): the pinned placement of the per-silo host grain, the
/// silo's own runtime behind it, and, with <see cref="PlacementOptions.Spread"/>, the manager's cluster-wide runtime,
/// replicas on the host's advertised address, and the fence that ends a host's replicas with its silo.
/// </summary>
internal static class ReplicaHosting
{
    /// <summary>Call after the runtime is registered (<see cref="ReplicaRuntimes.AddReplicaRuntime"/>).</summary>
    public static void AddReplicaHosts(this WebApplicationBuilder builder, ClusterSettings cluster)
    {
        builder.Services.AddSettings<PlacementOptions>(PlacementOptions.Section);
        var placement = builder.ReadSettings<PlacementOptions>(PlacementOptions.Section);
        var hostName = placement.HostName.Length > 0
            ? placement.HostName
            : $"{(cluster.AdvertisedAddress.Length > 0 ? cluster.AdvertisedAddress : Environment.MachineName)}:{cluster.SiloPort}";
        builder.Services.PostConfigure<PlacementOptions>(o => o.HostName = hostName);
        builder.Services.AddPlacementDirector<SiloPinnedPlacement, SiloPinnedPlacementDirector>();

        var runtime = builder.Services.Last(d => d.ServiceType == typeof(IReplicaRuntime));
        if (!placement.Spread)
        {
            builder.Services.AddSingleton(sp => new HostReplicaRuntime(sp.GetRequiredService<IReplicaRuntime>()));
            return;
        }

        // The silo's own runtime serves its host grain; the manager (wherever it runs) places through the cluster.
        var implementation = runtime.ImplementationType ?? throw new InvalidOperationException("The replica runtime must be registered by type");
        builder.Services.Remove(runtime);
        builder.Services.AddSingleton(implementation);
        builder.Services.AddSingleton(sp => new HostReplicaRuntime((IReplicaRuntime)sp.GetRequiredService(implementation)));
        builder.Services.AddSingleton<IReplicaRuntime, ClusterReplicaRuntime>();
        builder.Services.Configure<SiloOptions>(o => o.SiloName = hostName);
        builder.Services.PostConfigure<ProcessReplicaOptions>(o =>
        {
            // Fencing: a host's replicas live no longer than its silo (see docs/hosts.md).
            o.Detached = false;
            o.KeepOnStop = false;
            if (cluster.AdvertisedAddress.Length > 0 && o.Host == "127.0.0.1")
            {
                o.Host = ClusterSettings.Resolve(cluster.AdvertisedAddress).ToString();
            }

            // Hosts may share a file system (namespaces, one machine): each keeps its own registry.
            o.StateDirectory = Path.Combine(o.StateDirectory, "hosts", string.Concat(hostName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_')));
        });
        builder.Services.AddHostedService<HostFence>();
    }
}
