namespace Orleans.LoadBalancer.Routing.Algorithms;

/// <summary>
/// What a snapshot looks keys up in: the owner (replica index) per slot, Maglev entry, ring point or classic slot;
/// <c>ring</c>'s sorted point positions, parallel to the owners (empty otherwise); and each replica's exact share of the
/// key space by the table.
/// </summary>
internal readonly record struct LookupTable(ushort[] Owners, ulong[] Points, double[] Shares)
{
    /// <summary>A fixed-size owner table, each replica's share the fraction of entries it owns.</summary>
    public static LookupTable Counted(ushort[] owners, int replicas)
    {
        var shares = new double[replicas];
        foreach (var owner in owners)
        {
            shares[owner]++;
        }

        for (var i = 0; i < shares.Length; i++)
        {
            shares[i] /= owners.Length;
        }

        return new LookupTable(owners, [], shares);
    }
}
