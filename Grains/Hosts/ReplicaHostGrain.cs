using Orleans.Concurrency;
using Orleans.Runtime;
using Orleans.LoadBalancer.Grains.Replicas;

namespace Orleans.LoadBalancer.Grains.Hosts;

/// <summary>A silo as a host: its own runtime does the work; every replica it reports carries the host's name.</summary>
[SiloPinnedPlacement, Reentrant]
internal sealed class ReplicaHostGrain(HostReplicaRuntime local, ILocalSiloDetails silo) : Grain, IReplicaHostGrain
{
    private string Host => silo.Name;

    public async Task<ReplicaInstance> Start(string name, long ordinal) =>
        (await local.Runtime.StartAsync(name, ordinal, CancellationToken.None)) with { Host = Host };

    public Task Stop(ReplicaInstance instance) => local.Runtime.StopAsync(instance, CancellationToken.None);

    public Task StopWithGrace(ReplicaInstance instance, TimeSpan grace) => local.Runtime.StopAsync(instance, grace, CancellationToken.None);

    public async Task<IReadOnlyList<ReplicaInstance>> List() =>
        (await local.Runtime.ListAsync(CancellationToken.None)).Select(i => i with { Host = Host }).ToList();

    public Task<string?> DescribeExit(ReplicaInstance instance) => local.Runtime.DescribeExitAsync(instance, CancellationToken.None);
}
