namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// The Maglev lookup table (Eisenbud et al., NSDI 2016): each replica walks its own permutation of the M entries
/// (offset and skip from two hashes of its name) and takes turns claiming the next free entry. O(1) lookup.
/// </summary>
public static class MaglevTable
{
    /// <summary>Owner (replica index) of each of the <paramref name="size"/> entries.</summary>
    public static ushort[] Build(IReadOnlyList<string> names, int size)
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

        var filled = new bool[size];
        var count = 0;
        while (true)
        {
            foreach (var i in order)
            {
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
