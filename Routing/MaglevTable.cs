namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// The Maglev lookup table (Eisenbud et al., NSDI 2016): each replica walks its own permutation of the M entries
/// (offset and skip from two hashes of its name) and takes turns claiming the next free entry. O(1) lookup.
/// Weighted as in the paper's §3.4 and Envoy's maglev: a replica of weight w takes a turn in a round only while it has
/// taken fewer than round · w / max(w) turns, so it claims entries in proportion to its weight.
/// </summary>
internal static class MaglevTable
{
    /// <summary>Owner (replica index) of each of the <paramref name="size"/> entries.</summary>
    public static ushort[] Build(IReadOnlyList<string> names, int size) => Build(names, size, null);

    /// <summary>Owner (replica index) of each of the <paramref name="size"/> entries, with weights (null: all equal).</summary>
    public static ushort[] Build(IReadOnlyList<string> names, int size, IReadOnlyList<int>? weights)
    {
        var table = new ushort[size];
        if (names.Count == 0)
        {
            return table;
        }

        // Take turns in a canonical order (by name), so the table depends on the set of names, not on their order.
        var order = Enumerable.Range(0, names.Count).OrderBy(i => names[i], StringComparer.Ordinal).ToArray();
        var offset = new long[names.Count];
        var skip = new long[names.Count];
        var next = new long[names.Count];
        foreach (var i in order)
        {
            var hash = KeyHash.Hash(names[i]);
            offset[i] = (long)(hash % (ulong)size);
            skip[i] = (long)(KeyHash.Mix(hash, 0x6D61676C6576UL) % (ulong)(size - 1)) + 1;
        }

        var heaviest = weights is null || weights.Count == 0 ? 1L : weights.Max();
        var turns = new long[names.Count];
        var filled = new bool[size];
        var count = 0;
        for (var round = 1L; ; round++)
        {
            foreach (var i in order)
            {
                // Envoy's rule: take a turn while turns so far · max(w) ≤ round · w; equal weights take every turn.
                if (weights is not null && weights.Count > 0 && turns[i] * heaviest > round * weights[i])
                {
                    continue;
                }

                turns[i]++;
                var entry = (offset[i] + next[i] * skip[i]) % size;
                while (filled[entry])
                {
                    next[i]++;
                    entry = (offset[i] + next[i] * skip[i]) % size;
                }

                filled[entry] = true;
                table[entry] = (ushort)i;
                next[i]++;
                if (++count == size)
                {
                    return table;
                }
            }
        }
    }
}
