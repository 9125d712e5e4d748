namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// The persisted, history-carrying routing table owned by the RingGrain. Immutable: every change returns a new table.
/// Only <see cref="Add"/> and <see cref="Remove"/> change it; health (up/down) never does.
/// </summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Routing.RoutingTable")]
public sealed record RoutingTable
{
    [Id(0)] public RoutingSettings Settings { get; init; } = RoutingSettings.Default;

    /// <summary>Replica names in order of addition.</summary>
    [Id(1)] private string[] _names = [];

    /// <summary>Each member's number (1, 2, 3… in order of addition, never reused), parallel to the names.</summary>
    [Id(2)] private int[] _numbers = [];

    [Id(3)] private int _nextNumber = 1;

    // The slots algorithm's table: owner number per slot, and each slot's stack of previous owners.
    [Id(4)] private int[] _slotOwners = [];
    [Id(5)] private int[] _slotHistoryHead = [];
    [Id(6)] private int[] _slotHistoryOwner = [];
    [Id(7)] private int[] _slotHistoryNext = [];

    /// <summary>Replica names in order of addition.</summary>
    public IReadOnlyList<string> Members => _names;

    /// <summary>Member numbers, parallel to <see cref="Members"/>.</summary>
    public IReadOnlyList<int> Numbers => _numbers;

    internal int[] SlotOwners => _slotOwners;

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
        var seen = new HashSet<string>(_names, StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new ArgumentException("A replica name must not be empty", nameof(names));
            }

            if (!seen.Add(name))
            {
                throw new ArgumentException(_names.Contains(name) ? $"Replica '{name}' already exists" : $"Replica '{name}' is given more than once", nameof(names));
            }
        }

        if (_names.Length + names.Count > Settings.Capacity)
        {
            throw new ArgumentException($"The {Settings.Algorithm} table holds at most {Settings.Capacity} replicas, not {_names.Length + names.Count}", nameof(names));
        }

        var numbers = new List<int>(_numbers);
        var next = _nextNumber;
        var slots = Settings.Algorithm == RoutingSettings.Slots ? LoadSlots() : null;
        foreach (var _ in names)
        {
            slots?.Add(next, numbers);
            numbers.Add(next++);
        }

        return WithSlots(slots) with { _names = [.. _names, .. names], _numbers = [.. numbers], _nextNumber = next };
    }

    /// <summary>Removes replicas. Throws <see cref="ArgumentException"/> for unknown or duplicate names.</summary>
    public RoutingTable Remove(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var removing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (!_names.Contains(name))
            {
                throw new ArgumentException($"Replica '{name}' does not exist", nameof(names));
            }

            if (!removing.Add(name))
            {
                throw new ArgumentException($"Replica '{name}' is given more than once", nameof(names));
            }
        }

        var names2 = _names.ToList();
        var numbers = _numbers.ToList();
        var slots = Settings.Algorithm == RoutingSettings.Slots ? LoadSlots() : null;
        foreach (var name in names)
        {
            var index = names2.IndexOf(name);
            var number = numbers[index];
            names2.RemoveAt(index);
            numbers.RemoveAt(index);
            slots?.Remove(number, numbers);
        }

        return WithSlots(slots) with { _names = [.. names2], _numbers = [.. numbers] };
    }

    private SlotTable LoadSlots() => _slotOwners.Length == 0
        ? SlotTable.Empty(Settings.SlotCount)
        : SlotTable.Load(_slotOwners, _slotHistoryHead, _slotHistoryOwner, _slotHistoryNext);

    private RoutingTable WithSlots(SlotTable? slots) => slots is null ? this : this with
    {
        _slotOwners = slots.Owners,
        _slotHistoryHead = slots.Head,
        _slotHistoryOwner = slots.HistoryOwner,
        _slotHistoryNext = slots.HistoryNext,
    };
}
