using System.Runtime.InteropServices;

namespace Orleans.LoadBalancer.Routing.Algorithms;

/// <summary>
/// <c>slots</c>: hash slots with a per-slot history of previous owners (<see cref="SlotTable"/>), kept in the
/// <see cref="RoutingTable"/>, so that removing a member gives every slot back and a weight set straight back restores it.
/// </summary>
internal sealed class SlotsAlgorithm : IRoutingAlgorithm
{
    public string Name => RoutingSettings.Slots;

    public LookupKind Lookup => LookupKind.Slots;

    public bool HasWeights => true;

    public int Capacity(RoutingSettings settings) => Math.Min(settings.SlotCount, RoutingSettings.MaxReplicas);

    public string? CapacityReason(RoutingSettings settings) => settings.SlotCount < RoutingSettings.MaxReplicas
        ? $"SlotCount is {settings.SlotCount} and every replica needs a slot of its own"
        : null;

    public void CheckWeights(RoutingSettings settings, IReadOnlyList<int> tableWeights)
    {
    }

    public RoutingTable Added(RoutingTable before, RoutingTable after)
    {
        var slots = Load(before);
        int[] weights = [.. after.MemberWeights];
        for (var i = before.Numbers.Length; i < after.Numbers.Length; i++)
        {
            slots.Add(after.Numbers[i], weights[i], after.Numbers.AsSpan(0, i), weights.AsSpan(0, i));
        }

        return Stored(after, slots);
    }

    public RoutingTable Removed(RoutingTable before, RoutingTable after)
    {
        var slots = Load(before);
        var kept = after.Numbers.ToHashSet();
        var numbers = before.Numbers.ToList();
        var weights = before.MemberWeights.ToList();

        // Newest member first: each removal then undoes the latest add still in the table, so removing a batch that
        // was added (in one call or several) restores every slot, whatever order the names come in.
        for (var index = numbers.Count - 1; index >= 0; index--)
        {
            var number = numbers[index];
            if (!kept.Contains(number))
            {
                numbers.RemoveAt(index);
                weights.RemoveAt(index);
                slots.Remove(number, CollectionsMarshal.AsSpan(numbers), CollectionsMarshal.AsSpan(weights));
            }
        }

        return Stored(after, slots);
    }

    public RoutingTable Reweighted(RoutingTable before, RoutingTable after, IReadOnlyList<int> changed)
    {
        var slots = Load(before);
        var weights = before.MemberWeights.ToArray();
        var wanted = after.MemberWeights;
        if (changed.Count == 1 && before.LastReweighted != 0 && before.Numbers[changed[0]] == before.LastReweighted
            && wanted[changed[0]] == before.LastReweightedFrom)
        {
            // Straight back to the weight before the last change: undo its moves, so every slot is as it was.
            slots.Revert(before.LastReweightedMark);
            return Stored(after, slots);
        }

        var mark = -1;
        foreach (var at in changed)
        {
            mark = slots.HistoryCount;
            slots.Reweight(before.Numbers[at], wanted[at], before.Numbers, weights, ref mark);
            weights[at] = wanted[at];
        }

        var one = changed.Count == 1;
        return Stored(after, slots) with
        {
            LastReweighted = one ? before.Numbers[changed[0]] : 0,
            LastReweightedFrom = one ? before.MemberWeights[changed[0]] : 0,
            LastReweightedMark = one ? mark : 0,
        };
    }

    public LookupTable Build(RoutingTable table, IReadOnlyList<int> tableWeights)
    {
        var members = table.Members.Count;
        if (members == 0)
        {
            return LookupTable.Counted([], 0);
        }

        if (table.SlotOwners.Length != table.Settings.SlotCount)
        {
            throw new ArgumentException($"The table has {table.SlotOwners.Length} slot owners, not SlotCount = {table.Settings.SlotCount}", nameof(table));
        }

        var index = new MemberIndex(table.Numbers);
        var owners = new ushort[table.SlotOwners.Length];
        for (var slot = 0; slot < owners.Length; slot++)
        {
            var owner = index.Of(table.SlotOwners[slot]);
            owners[slot] = owner >= 0
                ? (ushort)owner
                : throw new ArgumentException($"Slot {slot} is owned by member number {table.SlotOwners[slot]}, which is not in the table", nameof(table));
        }

        return LookupTable.Counted(owners, members);
    }

    public RoutingDelta? EncodeDelta(RoutingDelta delta, LookupTable previous, LookupTable next) => TableDiff.Encode(delta, previous, next);

    public LookupTable? ApplyDelta(LookupTable current, RoutingDelta delta, ulong[] seeds) => TableDiff.Apply(current, delta);

    private static SlotTable Load(RoutingTable table) => table.SlotOwners.Length == 0
        ? SlotTable.Empty(table.Settings.SlotCount)
        : SlotTable.Load(table.SlotOwners, table.SlotHistoryHead, table.SlotHistoryOwner, table.SlotHistoryNext);

    private static RoutingTable Stored(RoutingTable table, SlotTable slots) => table with
    {
        SlotOwners = slots.Owners,
        SlotHistoryHead = slots.Head,
        SlotHistoryOwner = slots.HistoryOwner,
        SlotHistoryNext = slots.HistoryNext,
    };
}
