using Microsoft.Extensions.Logging;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Grains.Ring;

/// <summary>Tables the RingGrain builds from another table.</summary>
internal static class RingTables
{
    /// <summary>The table with other settings and the same members and weights; weights of 1 where the new algorithm has none (<c>classic</c>).</summary>
    public static RoutingTable Rebuilt(RoutingSettings settings, RoutingTable table, ILogger logger)
    {
        try
        {
            return RoutingTable.Create(settings).Add(table.Members, table.MemberWeights);
        }
        catch (ArgumentException ex)
        {
            logger.LogWarning(ex, "The configured routing settings {Settings} cannot keep the replicas' weights; every replica has weight 1 in the table", settings);
            return RoutingTable.Create(settings).Add(table.Members);
        }
    }
}
