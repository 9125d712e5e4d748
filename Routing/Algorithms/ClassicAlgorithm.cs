namespace Orleans.LoadBalancer.Routing.Algorithms;

/// <summary><c>classic</c>: the original assignment's ring, bit for bit (<see cref="ClassicRing"/>). No weights.</summary>
internal sealed class ClassicAlgorithm : IRoutingAlgorithm
{
    public string Name => RoutingSettings.Classic;

    public LookupKind Lookup => LookupKind.Classic;

    public bool HasWeights => false;

    public int Capacity(RoutingSettings settings) => ClassicRing.Capacity;

    public string? CapacityReason(RoutingSettings settings) => $"{ClassicRing.VirtualServers} virtual servers each in {ClassicRing.Slots} slots";

    public void CheckWeights(RoutingSettings settings, IReadOnlyList<int> tableWeights)
    {
    }

    public RoutingTable Added(RoutingTable before, RoutingTable after) => after;

    public RoutingTable Removed(RoutingTable before, RoutingTable after) => after;

    public RoutingTable Reweighted(RoutingTable before, RoutingTable after, IReadOnlyList<int> changed) => after;

    public LookupTable Build(RoutingTable table, IReadOnlyList<int> tableWeights)
    {
        var owners = ClassicRing.Build(table.Numbers);
        return new LookupTable(owners, [], ClassicRing.Shares(owners, table.Numbers.Length));
    }

    public RoutingDelta? EncodeDelta(RoutingDelta delta, LookupTable previous, LookupTable next) => TableDiff.Encode(delta, previous, next);

    public LookupTable? ApplyDelta(LookupTable current, RoutingDelta delta, ulong[] seeds) => TableDiff.Apply(current, delta);
}
