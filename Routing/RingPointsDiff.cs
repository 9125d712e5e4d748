using Orleans.LoadBalancer.Routing.Algorithms;

namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// The <c>ring</c> algorithm's difference between two point arrays: the points of removed replicas go, the added
/// points are merged in. Point positions never move, so this is all that changes when replicas come and go.
/// </summary>
internal static class RingPointsDiff
{
    /// <summary>The delta encoding of rings: the points added; null when an old point that stays is missing.</summary>
    public static RoutingDelta? Encode(RoutingDelta delta, LookupTable previous, LookupTable next) =>
        TryDiff(previous.Points, previous.Owners, next.Points, next.Owners, out var added, out var addedOwners)
            ? delta with { AddedPoints = added, AddedPointOwners = addedOwners }
            : null;

    /// <summary><paramref name="current"/> with the delta's points merged in; null when they do not fit it.</summary>
    public static LookupTable? Apply(LookupTable current, RoutingDelta delta, ulong[] seeds) =>
        TryApply(current.Points, current.Owners, delta.AddedPoints, delta.AddedPointOwners, seeds, out var points, out var owners)
            ? current with { Owners = owners, Points = points }
            : null;

    /// <summary>
    /// The points of <paramref name="points"/>/<paramref name="owners"/> not in the old ring (whose owners are renumbered,
    /// removed ones <see cref="TableMove.Unowned"/>); false when an old point that stays is missing from the new ring.
    /// </summary>
    public static bool TryDiff(
        ulong[] oldPoints, ushort[] oldOwners, ulong[] points, ushort[] owners, out ulong[] added, out ushort[] addedOwners)
    {
        var newPoints = new List<ulong>();
        var newOwners = new List<ushort>();
        var i = 0;
        for (var j = 0; j < points.Length; j++)
        {
            while (i < oldPoints.Length && oldOwners[i] == TableMove.Unowned)
            {
                i++;
            }

            if (i < oldPoints.Length && oldPoints[i] == points[j] && oldOwners[i] == owners[j])
            {
                i++;
            }
            else if (i < oldPoints.Length && oldPoints[i] < points[j])
            {
                (added, addedOwners) = ([], []);
                return false;
            }
            else
            {
                newPoints.Add(points[j]);
                newOwners.Add(owners[j]);
            }
        }

        while (i < oldPoints.Length && oldOwners[i] == TableMove.Unowned)
        {
            i++;
        }

        (added, addedOwners) = ([.. newPoints], [.. newOwners]);
        return i == oldPoints.Length;
    }

    /// <summary>
    /// Merges the old points that stay with the added ones; equal positions in the order of their owners' seeds, as
    /// <see cref="KetamaRing.Build"/> orders them. False when the added points are not ascending or name no replica.
    /// </summary>
    public static bool TryApply(
        ulong[] oldPoints, ushort[] oldOwners, ulong[] added, ushort[] addedOwners, ulong[] seeds, out ulong[] points, out ushort[] owners)
    {
        (points, owners) = ([], []);
        if (added.Length != addedOwners.Length)
        {
            return false;
        }

        var kept = 0;
        foreach (var owner in oldOwners)
        {
            kept += owner == TableMove.Unowned ? 0 : 1;
        }

        var mergedPoints = new ulong[kept + added.Length];
        var mergedOwners = new ushort[mergedPoints.Length];
        int i = 0, j = 0, at = 0;
        while (at < mergedPoints.Length)
        {
            while (i < oldPoints.Length && oldOwners[i] == TableMove.Unowned)
            {
                i++;
            }

            if (j < added.Length && (addedOwners[j] >= seeds.Length || (j > 0 && added[j] < added[j - 1])))
            {
                return false;
            }

            var takeOld = j == added.Length
                || (i < oldPoints.Length && (oldPoints[i] < added[j] || (oldPoints[i] == added[j] && seeds[oldOwners[i]] <= seeds[addedOwners[j]])));
            (mergedPoints[at], mergedOwners[at]) = takeOld ? (oldPoints[i], oldOwners[i++]) : (added[j], addedOwners[j++]);
            at++;
        }

        (points, owners) = (mergedPoints, mergedOwners);
        return true;
    }
}
