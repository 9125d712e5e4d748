using System.Text.Json.Serialization;

namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// The persisted, history-carrying routing table owned by the RingGrain. Immutable: every change returns a new table.
/// Only <see cref="Add(IReadOnlyList{string}, IReadOnlyList{int})"/>, <see cref="Remove"/> and <see cref="ChangeWeights"/>
/// change it; health (up/down) never does.
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

    /// <summary>
    /// Each member's table weight in hundredths of a weight (<see cref="WeightScale"/> is a weight of 1), parallel to
    /// <see cref="Names"/>; empty in tables stored before weights, where every member has weight 1.
    /// </summary>
    [Id(8)] public int[] Weights { get; init; } = [];

    /// <summary>
    /// <c>slots</c>: the last change, when it was one member's weight change and nothing has changed since: that
    /// member's number (0 when none), its table weight before, and the history entry its moves start at. Setting the
    /// weight back reverts those moves exactly.
    /// </summary>
    [Id(9)] public int LastReweighted { get; init; }

    [Id(10)] public int LastReweightedFrom { get; init; }

    [Id(11)] public int LastReweightedMark { get; init; }

    /// <summary>Table weight units per unit of weight: weights are kept in hundredths, so that slow start can ramp in small steps.</summary>
    public const int WeightScale = 100;

    /// <summary>The largest weight a replica may have.</summary>
    public const int MaxWeight = 100;

    /// <summary>The largest table weight (<see cref="MaxWeight"/> in hundredths).</summary>
    public const int MaxTableWeight = MaxWeight * WeightScale;

    /// <summary>Replica names in order of addition.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Members => Names;

    /// <summary>Each member's table weight, parallel to <see cref="Members"/> (weight 1 = <see cref="WeightScale"/>).</summary>
    [JsonIgnore]
    public IReadOnlyList<int> MemberWeights => Weights.Length == Names.Length ? Weights : [.. Names.Select(_ => WeightScale)];

    /// <summary>Whether members may have weights other than 1 (every algorithm but <c>classic</c>).</summary>
    [JsonIgnore]
    public bool HasWeights => Settings.Policy.HasWeights;

    /// <summary>An empty table; validates <paramref name="settings"/>.</summary>
    public static RoutingTable Create(RoutingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        return new RoutingTable { Settings = settings };
    }

    /// <summary>The table weight for a weight of 1–<see cref="MaxWeight"/>; throws <see cref="ArgumentException"/> otherwise.</summary>
    public static int TableWeight(int weight, string? name = null) => weight is >= 1 and <= MaxWeight
        ? weight * WeightScale
        : throw new ArgumentException($"{(name is null ? "A" : $"Replica '{name}': the")} weight must be an integer from 1 to {MaxWeight}, not {weight}", nameof(weight));

    /// <summary>A member's table weight; throws <see cref="ArgumentException"/> for an unknown name.</summary>
    public int WeightOf(string name)
    {
        var at = Array.IndexOf(Names, name);
        return at >= 0 ? MemberWeights[at] : throw new ArgumentException($"Replica '{name}' does not exist", nameof(name));
    }

    /// <summary>Adds replicas in the given order, each with weight 1. Throws <see cref="ArgumentException"/> for empty, invalid, duplicate or existing names.</summary>
    public RoutingTable Add(IReadOnlyList<string> names) => Add(names, null);

    /// <summary>
    /// Adds replicas in the given order with the given table weights (1–<see cref="MaxTableWeight"/>; null: weight 1 each).
    /// Throws <see cref="ArgumentException"/> for empty, invalid, duplicate or existing names and for bad weights.
    /// </summary>
    public RoutingTable Add(IReadOnlyList<string> names, IReadOnlyList<int>? tableWeights)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (tableWeights is not null && tableWeights.Count != names.Count)
        {
            throw new ArgumentException($"{names.Count} names but {tableWeights.Count} weights", nameof(tableWeights));
        }

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

        var added = tableWeights ?? [.. names.Select(_ => WeightScale)];
        for (var i = 0; i < names.Count; i++)
        {
            CheckWeight(names[i], added[i]);
        }

        Settings.ThrowIfOverCapacity(Names.Length + names.Count, nameof(names));
        int[] weights = [.. MemberWeights, .. added];
        var policy = Settings.Policy;
        policy.CheckWeights(Settings, weights);
        var numbers = Enumerable.Range(NextNumber, names.Count);
        return policy.Added(this, this with
        {
            Names = [.. Names, .. names],
            Numbers = [.. Numbers, .. numbers],
            NextNumber = NextNumber + names.Count,
            Weights = Compact(weights),
            LastReweighted = 0,
        });
    }

    /// <summary>
    /// Sets the table weights of existing members (1–<see cref="MaxTableWeight"/>), as one change. <c>slots</c>: slots move
    /// only between the changed members and the others, and setting one member's weight straight back restores every
    /// slot. Throws <see cref="ArgumentException"/> for unknown or repeated names, bad weights, and any weight but 1 in a
    /// <c>classic</c> table.
    /// </summary>
    public RoutingTable ChangeWeights(IReadOnlyList<KeyValuePair<string, int>> tableWeights)
    {
        ArgumentNullException.ThrowIfNull(tableWeights);
        var weights = MemberWeights.ToArray();
        var changes = new List<(int At, int Weight)>();
        var given = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, weight) in tableWeights)
        {
            var at = Array.IndexOf(Names, name);
            if (at < 0)
            {
                throw new ArgumentException($"Replica '{name}' does not exist", nameof(tableWeights));
            }

            if (!given.Add(name))
            {
                throw new ArgumentException($"Replica '{name}' is given more than once", nameof(tableWeights));
            }

            CheckWeight(name, weight);
            if (weights[at] != weight)
            {
                changes.Add((at, weight));
            }
        }

        var after = weights.ToArray();
        changes.ForEach(c => after[c.At] = c.Weight);
        var policy = Settings.Policy;
        policy.CheckWeights(Settings, after);
        return changes.Count == 0
            ? this
            : policy.Reweighted(this, this with { Weights = Compact(after), LastReweighted = 0 }, [.. changes.Select(c => c.At)]);
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

        var kept = Enumerable.Range(0, Names.Length).Where(i => !removing.Contains(Names[i])).ToArray();
        var weights = MemberWeights;
        return Settings.Policy.Removed(this, this with
        {
            Names = [.. kept.Select(i => Names[i])],
            Numbers = [.. kept.Select(i => Numbers[i])],
            Weights = Compact([.. kept.Select(i => weights[i])]),
            LastReweighted = 0,
        });
    }

    private void CheckWeight(string name, int weight)
    {
        if (weight is < 1 or > MaxTableWeight)
        {
            throw new ArgumentException(
                $"Replica '{name}': table weight {weight} is outside 1–{MaxTableWeight} (hundredths of a weight from 1 to {MaxWeight})", nameof(weight));
        }

        if (weight != WeightScale && !HasWeights)
        {
            throw new ArgumentException($"The {Settings.Algorithm} assignment has no weights: replica '{name}' must have weight 1", nameof(weight));
        }
    }

    /// <summary>No array while every weight is 1, as tables stored before weights have it.</summary>
    private static int[] Compact(int[] weights) => weights.All(w => w == WeightScale) ? [] : weights;
}
