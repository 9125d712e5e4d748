using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>Reports suspect replicas to the ReplicaManagerGrain, whose health loop then checks them at once.</summary>
internal sealed class ManagerSuspectReporter(IClusterClient client, ILogger<ManagerSuspectReporter> logger) : ISuspectReporter
{
    public void Report(string replica) => _ = ReportAsync(replica);

    private async Task ReportAsync(string replica)
    {
        try
        {
            await client.GetGrain<IReplicaManagerGrain>(RingKeys.Default).ReportSuspect(replica);
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Could not report suspect replica {Replica}", replica);
        }
    }
}
