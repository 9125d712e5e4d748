using Orleans.LoadBalancer.Routing.Algorithms;

namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// Describes the difference between two fixed-size owner tables as <see cref="TableMove"/>s, and applies them. The base
/// table is the old one with its owners already renumbered to the new replica indices (removed ones as
/// <see cref="TableMove.Unowned"/>).
/// </summary>
internal static class TableDiff
{
    /// <summary>At most this many candidate offsets are checked in full per spread; past that, entries are listed.</summary>
    private const int SpreadCandidates = 16;

    /// <summary>The delta encoding of fixed-size tables: the entries that change owner; null when the sizes differ.</summary>
    public static RoutingDelta? Encode(RoutingDelta delta, LookupTable previous, LookupTable next) =>
        previous.Owners.Length == next.Owners.Length ? delta with { Moves = Diff(previous.Owners, next.Owners, delta.Replicas.Length) } : null;

    /// <summary><paramref name="current"/> with the delta's moves applied in place; null when they do not apply.</summary>
    public static LookupTable? Apply(LookupTable current, RoutingDelta delta) =>
        TryApply(current.Owners, delta.Moves, delta.Replicas.Length) ? current : null;

    public static TableMove[] Diff(ushort[] from, ushort[] to, int owners)
    {
        var (counts, rank) = Rank(from, owners);
        var unowned = new List<ushort>();
        var pairs = new SortedDictionary<(ushort From, ushort To), List<int>>();
        for (var i = 0; i < from.Length; i++)
        {
            if (from[i] == to[i])
            {
                continue;
            }

            if (from[i] == TableMove.Unowned)
            {
                unowned.Add(to[i]);
                continue;
            }

            if (!pairs.TryGetValue((from[i], to[i]), out var entries))
            {
                pairs[(from[i], to[i])] = entries = [];
            }

            entries.Add(i);
        }

        var moves = new List<TableMove>();
        if (unowned.Count > 0)
        {
            moves.Add(new ListMove(TableMove.Unowned, [.. unowned]));
        }

        var listed = new List<(int Index, ushort Owner)>();
        foreach (var ((source, target), entries) in pairs)
        {
            var ranks = entries.ConvertAll(i => rank[i]);
            if (TrySpread(ranks, counts[source], out var offset))
            {
                moves.Add(new SpreadMove(source, target, ranks.Count, offset));
            }
            else
            {
                listed.AddRange(entries.Select(i => (i, target)));
            }
        }

        if (listed.Count > 0)
        {
            listed.Sort((a, b) => a.Index.CompareTo(b.Index));
            moves.Add(new EntriesMove([.. listed.Select(e => e.Index)], [.. listed.Select(e => e.Owner)]));
        }

        return [.. moves];
    }

    /// <summary>
    /// Applies <paramref name="moves"/> to <paramref name="table"/> in place (every move selects by the table as it was
    /// given); false when a move does not fit it or an entry is left without an owner among <paramref name="owners"/>.
    /// </summary>
    public static bool TryApply(ushort[] table, TableMove[] moves, int owners)
    {
        // The entries of each owner in entry order: a counting sort (owner "owners" stands for Unowned).
        var counts = new int[owners + 2];
        foreach (var owner in table)
        {
            counts[Bucket(owner, owners) + 1]++;
        }

        for (var b = 1; b < counts.Length; b++)
        {
            counts[b] += counts[b - 1];
        }

        var start = counts;
        var entries = new int[table.Length];
        var fill = start[..^1];
        for (var i = 0; i < table.Length; i++)
        {
            entries[fill[Bucket(table[i], owners)]++] = i;
        }

        foreach (var move in moves)
        {
            switch (move)
            {
                case SpreadMove spread:
                {
                    if (spread.From >= owners || spread.To >= owners)
                    {
                        return false;
                    }

                    var (first, size) = (start[spread.From], start[spread.From + 1] - start[spread.From]);
                    if (spread.Count < 1 || spread.Count > size || spread.Offset < 0 || spread.Offset >= size)
                    {
                        return false;
                    }

                    for (var j = 0; j < spread.Count; j++)
                    {
                        var at = spread.Offset + (int)((long)j * size / spread.Count);
                        table[entries[first + (at >= size ? at - size : at)]] = spread.To;
                    }

                    break;
                }

                case ListMove list:
                {
                    if (list.From >= owners && list.From != TableMove.Unowned)
                    {
                        return false;
                    }

                    var bucket = Bucket(list.From, owners);
                    var (first, size) = (start[bucket], start[bucket + 1] - start[bucket]);
                    if (list.Owners.Length != size)
                    {
                        return false;
                    }

                    for (var k = 0; k < size; k++)
                    {
                        table[entries[first + k]] = list.Owners[k];
                    }

                    break;
                }

                case EntriesMove listed:
                {
                    if (listed.Indices.Length != listed.Owners.Length)
                    {
                        return false;
                    }

                    for (var k = 0; k < listed.Indices.Length; k++)
                    {
                        if ((uint)listed.Indices[k] >= (uint)table.Length)
                        {
                            return false;
                        }

                        table[listed.Indices[k]] = listed.Owners[k];
                    }

                    break;
                }

                default:
                    return false;
            }
        }

        foreach (var owner in table)
        {
            if (owner >= owners)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>About how many bytes <paramref name="moves"/> take on the wire.</summary>
    public static long WireBytes(TableMove[] moves) => moves.Sum(m => m switch
    {
        SpreadMove => 16L,
        ListMove list => 4L + (2L * list.Owners.Length),
        EntriesMove listed => 8L + (6L * listed.Indices.Length),
        _ => 0L,
    });

    private static int Bucket(ushort owner, int owners) => owner < owners ? owner : owners;

    /// <summary>How many entries each owner holds (Unowned last), and each entry's rank among its owner's.</summary>
    private static (int[] Counts, int[] Rank) Rank(ushort[] table, int owners)
    {
        var counts = new int[owners + 1];
        var rank = new int[table.Length];
        for (var i = 0; i < table.Length; i++)
        {
            rank[i] = counts[Bucket(table[i], owners)]++;
        }

        return (counts, rank);
    }

    /// <summary>
    /// Whether the ascending <paramref name="ranks"/> (g of them, among <paramref name="size"/> entries) are
    /// (offset + ⌊j·size/g⌋) mod size for j &lt; g and some offset. The offset is one of the ranks, R[k], where k is the
    /// number of positions that wrap past size; and the ranks' sum must be g·offset + Σ⌊j·size/g⌋ − size·k. A wrong
    /// rank passes both only when it generates the same positions, so few candidates are checked in full.
    /// </summary>
    private static bool TrySpread(List<int> ranks, int size, out int offset)
    {
        var g = ranks.Count;
        long sum = 0, pattern = 0;
        for (var j = 0; j < g; j++)
        {
            sum += ranks[j];
            pattern += (long)j * size / g;
        }

        var checks = 0;
        for (var k = 0; k < g && checks < SpreadCandidates; k++)
        {
            long candidate = ranks[k];
            var wrapped = g - Math.Min(g, (((size - candidate) * g) + size - 1) / size);
            if (k != wrapped || (g * candidate) + pattern - (size * wrapped) != sum)
            {
                continue;
            }

            checks++;
            var matches = true;
            for (var j = 0; j < g && matches; j++)
            {
                var at = candidate + ((long)j * size / g);
                matches = ranks[(k + j) % g] == (at >= size ? at - size : at);
            }

            if (matches)
            {
                offset = (int)candidate;
                return true;
            }
        }

        offset = 0;
        return false;
    }
}
