using System.Runtime.InteropServices;
using System.Text.Json.Serialization;

namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// The persisted, history-carrying routing table owned by the RingGrain. Immutable: every change returns a new table.
/// Only <see cref="Add"/> and <see cref="Remove"/> change it; health (up/down) never does.
/// </summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Routing.RoutingTable")]
public sealed record RoutingTable
{
    [Id(0)] public RoutingSettings Settings { get; init; } = new();

    /// <summary>Replica names in order of addition.</summary>
    [Id(1)] public string[] Names { get; init; } = [];

    /// <summary>Each member's number (1, 2, 3… in order of addition, never reused), parallel to <see cref="Names"/>.</summary>
    [Id(2)] public int[] Numbers { get; init; } = [];

    [Id(3)] public int NextNumber { get; init; } = 1;

    /// <summary><c>slots</c>: the owner's member number per slot.</summary>
    [Id(4)] public int[] SlotOwners { get; init; } = [];

    /// <summary><c>slots</c>: each slot's stack of previous owners, as linked entries (head per slot, then owner and next per entry).</summary>
    [Id(5)] public int[] SlotHistoryHead { get; init; } = [];

    [Id(6)] public int[] SlotHistoryOwner { get; init; } = [];

    [Id(7)] public int[] SlotHistoryNext { get; init; } = [];

    /// <summary>Replica names in order of addition.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Members => Names;

    /// <summary>An empty table; validates <paramref name="settings"/>.</summary>
    public static RoutingTable Create(RoutingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        return new RoutingTable { Settings = settings };
    }

    /// <summary>Adds replicas in the given order. Throws <see cref="ArgumentException"/> for empty, invalid, duplicate or existing names.</summary>
    public RoutingTable Add(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var seen = new HashSet<string>(Names, StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new ArgumentException("A replica name must not be empty", nameof(names));
            }

            if (!seen.Add(name))
            {
                throw new ArgumentException(Names.Contains(name) ? $"Replica '{name}' already exists" : $"Replica '{name}' is given more than once", nameof(names));
            }
        }

        Settings.ThrowIfOverCapacity(Names.Length + names.Count, nameof(names));

        var numbers = new List<int>(Numbers);
        var next = NextNumber;
        var slots = Settings.Algorithm == RoutingSettings.Slots ? LoadSlots() : null;
        foreach (var _ in names)
        {
            slots?.Add(next, CollectionsMarshal.AsSpan(numbers));
            numbers.Add(next++);
        }

        return WithSlots(slots) with { Names = [.. Names, .. names], Numbers = [.. numbers], NextNumber = next };
    }

    /// <summary>Removes replicas. Throws <see cref="ArgumentException"/> for unknown or duplicate names.</summary>
    public RoutingTable Remove(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var removing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (!Names.Contains(name))
            {
                throw new ArgumentException($"Replica '{name}' does not exist", nameof(names));
            }

            if (!removing.Add(name))
            {
                throw new ArgumentException($"Replica '{name}' is given more than once", nameof(names));
            }
        }

        var remaining = Names.ToList();
        var numbers = Numbers.ToList();
        var slots = Settings.Algorithm == RoutingSettings.Slots ? LoadSlots() : null;

        // Newest member first: each removal then undoes the latest add still in the table, so removing a batch that
        // was added (in one call or several) restores every slot, whatever order the names come in.
        for (var index = remaining.Count - 1; index >= 0; index--)
        {
            if (removing.Contains(remaining[index]))
            {
                var number = numbers[index];
                remaining.RemoveAt(index);
                numbers.RemoveAt(index);
                slots?.Remove(number, CollectionsMarshal.AsSpan(numbers));
            }
        }

        return WithSlots(slots) with { Names = [.. remaining], Numbers = [.. numbers] };
    }

    private SlotTable LoadSlots() => SlotOwners.Length == 0
        ? SlotTable.Empty(Settings.SlotCount)
        : SlotTable.Load(SlotOwners, SlotHistoryHead, SlotHistoryOwner, SlotHistoryNext);

    private RoutingTable WithSlots(SlotTable? slots) => slots is null ? this : this with
    {
        SlotOwners = slots.Owners,
        SlotHistoryHead = slots.Head,
        SlotHistoryOwner = slots.HistoryOwner,
        SlotHistoryNext = slots.HistoryNext,
    };
}
