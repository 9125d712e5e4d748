using System.Globalization;

namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// A ketama-style ring: a fixed number of points per replica at the hashes of <c>name#0</c>, <c>name#1</c>, …
/// A key belongs to the first point at or after its hash. Points per replica never depend on the number of replicas,
/// so adding one moves keys only to it.
/// </summary>
internal static class KetamaRing
{
    /// <summary>The sorted point positions and, parallel to them, each point's owner (replica index).</summary>
    public static (ulong[] Points, ushort[] Owners) Build(IReadOnlyList<string> names, int pointsPerReplica) =>
        Build(names, [.. names.Select(_ => pointsPerReplica)]);

    /// <summary>
    /// As <see cref="Build(IReadOnlyList{string}, int)"/> with each replica's own number of points (weights): a replica
    /// with more points has the same first ones, so raising a weight moves keys only to that replica.
    /// </summary>
    public static (ulong[] Points, ushort[] Owners) Build(IReadOnlyList<string> names, IReadOnlyList<int> pointsPerReplica)
    {
        ArgumentNullException.ThrowIfNull(pointsPerReplica);
        var points = new ulong[pointsPerReplica.Sum()];
        var owners = new ushort[points.Length];
        var nameHashes = new ulong[names.Count];
        Span<char> label = stackalloc char[64];
        for (int i = 0, at = 0; i < names.Count; i++)
        {
            nameHashes[i] = KeyHash.Hash(names[i]);
            for (var p = 0; p < pointsPerReplica[i]; p++, at++)
            {
                points[at] = Label(names[i], p, label);
                owners[at] = (ushort)i;
            }
        }

        Array.Sort(points, owners);

        // Equal positions (two labels with the same hash) go by owner name hash, so two builds of the same set agree
        // whatever the order of names.
        for (var start = 0; start < points.Length;)
        {
            var end = start + 1;
            while (end < points.Length && points[end] == points[start])
            {
                end++;
            }

            if (end - start > 1)
            {
                owners.AsSpan(start, end - start).Sort((a, b) => nameHashes[a].CompareTo(nameHashes[b]));
            }

            start = end;
        }

        return (points, owners);
    }

    /// <summary>The hash of <c>name#point</c>.</summary>
    private static ulong Label(string name, int point, Span<char> buffer)
    {
        if (name.Length + 12 > buffer.Length)
        {
            return KeyHash.Hash(string.Create(CultureInfo.InvariantCulture, $"{name}#{point}"));
        }

        name.AsSpan().CopyTo(buffer);
        buffer[name.Length] = '#';
        point.TryFormat(buffer[(name.Length + 1)..], out var digits, default, CultureInfo.InvariantCulture);
        return KeyHash.Hash(buffer[..(name.Length + 1 + digits)]);
    }

    /// <summary>Index of the first point at or after <paramref name="hash"/>, wrapping to 0.</summary>
    public static int Find(ulong[] points, ulong hash)
    {
        int lo = 0, hi = points.Length;
        while (lo < hi)
        {
            var mid = (int)((uint)(lo + hi) >> 1);
            if (points[mid] < hash)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo == points.Length ? 0 : lo;
    }

    /// <summary>Each replica's share of the hash space: the arcs ending at its points.</summary>
    public static double[] Shares(ulong[] points, ushort[] owners, int replicas)
    {
        var shares = new double[replicas];
        for (var i = 0; i < points.Length; i++)
        {
            var arc = i == 0 ? unchecked(points[0] - points[^1]) : points[i] - points[i - 1];
            shares[owners[i]] += arc / 18446744073709551616.0;
        }

        if (points.Length == 1 || (points.Length > 0 && points[0] == points[^1]))
        {
            shares[owners[0]] = 1;
        }

        return shares;
    }
}
