using Orleans.LoadBalancer.Grains.Replicas;

namespace Orleans.LoadBalancer.Grains.Hosts;

/// <summary>
/// One silo as a host for replicas: starts, stops and lists the replicas of that silo's own runtime. Keyed by the
/// silo's address (<see cref="Runtime.SiloAddress.ToParsableString"/>); <see cref="SiloPinnedPlacement"/> activates it on
/// that silo only, so a call to the host of a silo that is gone fails instead of running somewhere else.
/// </summary>
[Alias("Orleans.LoadBalancer.Grains.Hosts.IReplicaHostGrain")]
internal interface IReplicaHostGrain : IGrainWithStringKey
{
    [Alias("Start"), ResponseTimeout("00:01:00")]
    Task<ReplicaInstance> Start(string name, long ordinal);

    [Alias("Stop")]
    Task Stop(ReplicaInstance instance);

    /// <summary>Stops the replica letting it finish what it holds, killing it after <paramref name="grace"/> at the latest.</summary>
    [Alias("StopWithGrace"), ResponseTimeout("00:05:00")]
    Task StopWithGrace(ReplicaInstance instance, TimeSpan grace);

    [Alias("List")]
    Task<IReadOnlyList<ReplicaInstance>> List();

    [Alias("DescribeExit")]
    Task<string?> DescribeExit(ReplicaInstance instance);
}
