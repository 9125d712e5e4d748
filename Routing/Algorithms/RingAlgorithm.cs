namespace Orleans.LoadBalancer.Routing.Algorithms;

/// <summary><c>ring</c>: a ketama-style ring (<see cref="KetamaRing"/>), points in proportion to each member's weight.</summary>
internal sealed class RingAlgorithm : IRoutingAlgorithm
{
    public string Name => RoutingSettings.Ring;

    public LookupKind Lookup => LookupKind.Ring;

    public bool HasWeights => true;

    public int Capacity(RoutingSettings settings) => Math.Min(RoutingSettings.MaxRingPoints / settings.PointsPerReplica, RoutingSettings.MaxReplicas);

    public string? CapacityReason(RoutingSettings settings) => RoutingSettings.MaxRingPoints / settings.PointsPerReplica < RoutingSettings.MaxReplicas
        ? $"{settings.PointsPerReplica} points per replica, at most {RoutingSettings.MaxRingPoints} points in all"
        : null;

    public void CheckWeights(RoutingSettings settings, IReadOnlyList<int> tableWeights)
    {
        var points = Points(settings, tableWeights).Sum(p => (long)p);
        if (points > RoutingSettings.MaxRingPoints)
        {
            throw new ArgumentException(
                $"The ring would hold {points} points ({settings.PointsPerReplica} per unit of weight), more than {RoutingSettings.MaxRingPoints}: lower the weights or PointsPerReplica", "weights");
        }
    }

    public RoutingTable Added(RoutingTable before, RoutingTable after) => after;

    public RoutingTable Removed(RoutingTable before, RoutingTable after) => after;

    public RoutingTable Reweighted(RoutingTable before, RoutingTable after, IReadOnlyList<int> changed) => after;

    public LookupTable Build(RoutingTable table, IReadOnlyList<int> tableWeights)
    {
        var names = table.Members;
        var (points, owners) = KetamaRing.Build(names, Points(table.Settings, tableWeights));
        return new LookupTable(owners, points, KetamaRing.Shares(points, owners, names.Count));
    }

    public RoutingDelta? EncodeDelta(RoutingDelta delta, LookupTable previous, LookupTable next) => RingPointsDiff.Encode(delta, previous, next);

    public LookupTable? ApplyDelta(LookupTable current, RoutingDelta delta, ulong[] seeds) => RingPointsDiff.Apply(current, delta, seeds);

    /// <summary>Each member's points, in proportion to its weight (<see cref="RoutingSettings.PointsPerReplica"/> at weight 1, at least one).</summary>
    private static int[] Points(RoutingSettings settings, IReadOnlyList<int> tableWeights) =>
        [.. tableWeights.Select(w => (int)Math.Max(1, (((long)settings.PointsPerReplica * w) + (RoutingTable.WeightScale / 2)) / RoutingTable.WeightScale))];
}
