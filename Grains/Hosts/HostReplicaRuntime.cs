using Orleans.LoadBalancer.Grains.Replicas;

namespace Orleans.LoadBalancer.Grains.Hosts;

/// <summary>This silo's own runtime (local processes or its Docker engine), as its <see cref="ReplicaHostGrain"/> uses it.</summary>
public sealed class HostReplicaRuntime(IReplicaRuntime runtime)
{
    public IReplicaRuntime Runtime => runtime;
}
