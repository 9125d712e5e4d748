using System.IO.Hashing;
using System.Runtime.InteropServices;
using Orleans.LoadBalancer.Routing.Algorithms;

namespace Orleans.LoadBalancer.Routing;

/// <summary>Making and applying <see cref="RoutingDelta"/>s.</summary>
public sealed partial record RoutingSnapshot
{
    /// <summary>
    /// The delta that turns <paramref name="previous"/> into this snapshot, or <c>null</c> when only the whole snapshot
    /// will do: another ring or epoch, other settings, an empty table on either side, or a delta that would not be much
    /// smaller than the table.
    /// </summary>
    public RoutingDelta? DeltaFrom(RoutingSnapshot previous)
    {
        ArgumentNullException.ThrowIfNull(previous);
        if (previous.RingId != RingId || previous.Epoch != Epoch || previous.Version >= Version || previous._kind != _kind
            || previous.Settings != Settings || previous.Count == 0 || Count == 0)
        {
            return null;
        }

        var delta = new RoutingDelta { RingId = RingId, Epoch = Epoch, BaseVersion = previous.Version, Version = Version, Replicas = Replicas };
        var map = IndexMap(previous.Replicas, Replicas);
        if (map is null)
        {
            return null;
        }

        var sameNames = previous.Count == Count && IsIdentity(map);
        if (sameNames && previous._table.AsSpan().SequenceEqual(_table) && previous._points.AsSpan().SequenceEqual(_points))
        {
            return delta;
        }

        var encoded = Settings.Policy.EncodeDelta(delta, new LookupTable(Remapped(previous._table, map), previous._points, []), Lookup);
        if (encoded is null)
        {
            return null;
        }

        if (sameNames && encoded.Moves.Length == 0 && encoded.AddedPoints.Length == 0)
        {
            return delta;
        }

        delta = encoded;
        var wire = TableDiff.WireBytes(delta.Moves) + (10L * delta.AddedPoints.Length);
        return wire > TableBytes / 2 ? null : delta with { Shares = _shares, TableHash = TableHash() };
    }

    /// <summary>
    /// This snapshot with <paramref name="delta"/> applied, or <c>null</c> when the delta was not made from exactly
    /// this snapshot or does not rebuild the table it describes (then fetch the whole snapshot). The result is a new
    /// snapshot; this one is unchanged.
    /// </summary>
    public RoutingSnapshot? Apply(RoutingDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (!delta.AppliesTo(this) || delta.Version <= Version || delta.Replicas.Length == 0)
        {
            return null;
        }

        var replicas = delta.Replicas;
        var upCount = replicas.Count(r => r.IsRoutable);
        var map = IndexMap(Replicas, replicas);
        if (map is null)
        {
            return null;
        }

        if (delta.Shares is null)
        {
            // The table is unchanged: only the records (address, health) are.
            return Count == replicas.Length && IsIdentity(map)
                ? this with { Version = delta.Version, Replicas = replicas, _upCount = upCount }
                : null;
        }

        if (delta.Shares.Length != replicas.Length)
        {
            return null;
        }

        var seeds = replicas.Select(r => KeyHash.Hash(r.Name)).ToArray();
        if (Settings.Policy.ApplyDelta(new LookupTable(Remapped(_table, map), _points, []), delta, seeds) is not { } applied)
        {
            return null;
        }

        var next = this with
        {
            Version = delta.Version,
            Replicas = replicas,
            _table = applied.Owners,
            _points = applied.Points,
            _seeds = seeds,
            _shares = delta.Shares,
            _upCount = upCount,
        };
        return next.TableHash() == delta.TableHash ? next : null;
    }

    /// <summary>
    /// This snapshot at <paramref name="version"/> with other records (health, address) for the same replicas in the
    /// same order: the table is shared, so this costs O(N) rather than the O(M) of building it.
    /// </summary>
    public RoutingSnapshot WithRecords(long version, IReadOnlyList<RoutedReplica> replicas)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        if (replicas.Count != Count || replicas.Where((r, i) => r.Name != Replicas[i].Name).Any())
        {
            throw new ArgumentException("The records must name this snapshot's replicas in its order", nameof(replicas));
        }

        // The table is this snapshot's, and so are the weights it was built with.
        var routed = replicas.Select((r, i) => r.TableWeight == Replicas[i].TableWeight ? r : r with { TableWeight = Replicas[i].TableWeight }).ToArray();
        return this with { Version = version, Replicas = routed, _upCount = routed.Count(r => r.IsRoutable) };
    }

    private LookupTable Lookup => new(_table, _points, _shares);

    /// <summary>A hash of the owner table and (<c>ring</c>) its points.</summary>
    private ulong TableHash() =>
        XxHash3.HashToUInt64(MemoryMarshal.AsBytes(_table.AsSpan()), (long)XxHash3.HashToUInt64(MemoryMarshal.AsBytes(_points.AsSpan())));

    /// <summary>For each old replica index, its index among <paramref name="replicas"/>, or Unowned when it is gone; null on duplicate names.</summary>
    private static ushort[]? IndexMap(RoutedReplica[] old, RoutedReplica[] replicas)
    {
        var byName = new Dictionary<string, int>(replicas.Length, StringComparer.Ordinal);
        for (var i = 0; i < replicas.Length; i++)
        {
            if (!byName.TryAdd(replicas[i].Name, i))
            {
                return null;
            }
        }

        var map = new ushort[old.Length];
        for (var i = 0; i < old.Length; i++)
        {
            map[i] = byName.TryGetValue(old[i].Name, out var index) ? (ushort)index : TableMove.Unowned;
        }

        return map;
    }

    private static bool IsIdentity(ushort[] map)
    {
        for (var i = 0; i < map.Length; i++)
        {
            if (map[i] != i)
            {
                return false;
            }
        }

        return true;
    }

    private static ushort[] Remapped(ushort[] table, ushort[] map)
    {
        if (IsIdentity(map))
        {
            return table.AsSpan().ToArray();
        }

        var remapped = GC.AllocateUninitializedArray<ushort>(table.Length);
        for (var i = 0; i < table.Length; i++)
        {
            remapped[i] = map[table[i]];
        }

        return remapped;
    }
}
