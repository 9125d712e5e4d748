namespace Orleans.LoadBalancer.Routing.Algorithms;

/// <summary><c>maglev</c>: the Maglev lookup table (<see cref="MaglevTable"/>), weighted as Envoy does it.</summary>
internal sealed class MaglevAlgorithm : IRoutingAlgorithm
{
    public string Name => RoutingSettings.Maglev;

    public LookupKind Lookup => LookupKind.Maglev;

    public bool HasWeights => true;

    public int Capacity(RoutingSettings settings) => Math.Min(settings.MaglevTableSize, RoutingSettings.MaxReplicas);

    public string? CapacityReason(RoutingSettings settings) => settings.MaglevTableSize < RoutingSettings.MaxReplicas
        ? $"MaglevTableSize is {settings.MaglevTableSize} and every replica needs an entry of its own"
        : null;

    public void CheckWeights(RoutingSettings settings, IReadOnlyList<int> tableWeights)
    {
    }

    public RoutingTable Added(RoutingTable before, RoutingTable after) => after;

    public RoutingTable Removed(RoutingTable before, RoutingTable after) => after;

    public RoutingTable Reweighted(RoutingTable before, RoutingTable after, IReadOnlyList<int> changed) => after;

    public LookupTable Build(RoutingTable table, IReadOnlyList<int> tableWeights)
    {
        var names = table.Members;
        var owners = names.Count == 0 ? [] : MaglevTable.Build(names, table.Settings.MaglevTableSize, table.Weights.Length == 0 ? null : tableWeights);
        return LookupTable.Counted(owners, names.Count);
    }

    public RoutingDelta? EncodeDelta(RoutingDelta delta, LookupTable previous, LookupTable next) => TableDiff.Encode(delta, previous, next);

    public LookupTable? ApplyDelta(LookupTable current, RoutingDelta delta, ulong[] seeds) => TableDiff.Apply(current, delta);
}
