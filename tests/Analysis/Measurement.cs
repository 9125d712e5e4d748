namespace Orleans.LoadBalancer.Analysis;

/// <summary>One load of the fixed key set on one replica set under one algorithm, with the ring it ran on.</summary>
public sealed record Measurement(string Algorithm, IReadOnlyList<string> Names, RingView Ring, LoadResult Load, bool RingChanged)
{
    public int N => Names.Count;

    public IReadOnlyDictionary<string, int> PerReplica => Load.PerReplica(Names);

    public LoadStats Stats => LoadStats.Of(Names.Select(n => PerReplica[n]).ToList());

    public double ShareOf(string name) => Ring.Replicas.FirstOrDefault(r => r.Name == name)?.Share ?? 0;
}

/// <summary>Keys that changed replica when one replica was added, under one algorithm.</summary>
public sealed record Move(string Algorithm, int From, string Added, int Keys, int Moved, int MovedBetweenOld)
{
    public double Fraction => Moved / (double)Keys;

    /// <summary>Keys that changed owner between two replicas that were both there before: an ideal add moves none.</summary>
    public double BetweenOldFraction => MovedBetweenOld / (double)Keys;

    public double Ideal => 1.0 / (From + 1);

    public static Move Between(Measurement before, Measurement after)
    {
        var added = after.Names.Except(before.Names, StringComparer.Ordinal).Single();
        // A key that failed in either load says nothing about where it belongs.
        var both = Enumerable.Range(0, before.Load.Routes.Length)
            .Where(i => before.Load.Routes[i] is not null && after.Load.Routes[i] is not null)
            .ToList();
        var moved = both.Where(i => before.Load.Routes[i] != after.Load.Routes[i]).ToList();
        return new Move(before.Algorithm, before.N, added, both.Count, moved.Count, moved.Count(i => after.Load.Routes[i] != added));
    }
}

/// <summary>Requests per replica for one replica set: mean, extremes, spread.</summary>
public sealed record LoadStats(double Mean, double Min, double Max, double StdDev)
{
    public double MaxOverMean => Mean == 0 ? 0 : Max / Mean;

    public static LoadStats Of(IReadOnlyList<int> counts)
    {
        var mean = counts.Average();
        var std = Math.Sqrt(counts.Sum(v => (v - mean) * (v - mean)) / counts.Count);
        return new LoadStats(mean, counts.Min(), counts.Max(), std);
    }
}
