using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Grains.Ring;

/// <summary>What slow start steps: the ring as published, and its table weights, changed as one table change.</summary>
internal interface IRampTarget
{
    /// <summary>The ring as it is now (slow start runs between calls).</summary>
    RingGrainState Ring { get; }

    /// <summary>
    /// Sets the table weights that <paramref name="due"/> picks from the ring as it is when the change is made, as one
    /// table change and one version step (<see cref="RoutingTable.ChangeWeights"/>).
    /// </summary>
    Task ChangeTableWeightsAsync(Func<RingGrainState, List<KeyValuePair<string, int>>> due);
}
