using System.Globalization;

namespace Orleans.LoadBalancer.Analysis;

/// <summary>A-1, A-2 and A-4 of the report, and their charts.</summary>
public sealed class BalanceSections(BalanceResults results, AnalysisOptions options, string output)
{
    private const int A1Replicas = 3;

    // The detail chart leaves out algorithms this far from ideal, which would flatten the others' differences.
    private const double DetailLimit = 1.5;

    private IReadOnlyList<string> Algorithms => BalanceStudy.Algorithms;

    public void WriteSets(Markdown md)
    {
        md.Paragraph($"Replica sets, the same under every algorithm (added replicas are named by position, so every table lines up by name):");
        md.Table(["N", "replicas"], results.Ns.Select(n => (IReadOnlyList<string>)[Invariant(n), string.Join(", ", results.Points.First(p => p.N == n).Names.Select(x => $"`{x}`"))]), i => i == 0);
        foreach (var note in results.Notes)
        {
            md.Paragraph($"{note}.");
        }
    }

    public void WriteA1(Markdown md)
    {
        md.Heading($"## A-1: {options.Requests:N0} requests on N = {A1Replicas}");
        var points = Algorithms.Select(a => results.Point(a, A1Replicas)).OfType<Measurement>().ToList();
        if (points.Count == 0)
        {
            md.Paragraph($"Not measured: no run on {A1Replicas} replicas (see the notes above).");
            return;
        }

        md.Paragraph($"Requests served by each replica, and in brackets its exact share of the key space from `/ring`:");
        var names = points[0].Names;
        md.Table(
            ["replica", .. points.Select(p => p.Algorithm)],
            names.Select(name => (IReadOnlyList<string>)[$"`{name}`", .. points.Select(p => $"{p.PerReplica[name]} ({p.ShareOf(name) * 100:0.0} %)")])
                .Append(["failed", .. points.Select(p => Invariant(p.Load.Failures))]),
            i => i > 0);
        foreach (var point in points)
        {
            var file = $"a1-{point.Algorithm}.png";
            Charts.Bars(Path.Combine(output, file), $"A-1 ({point.Algorithm}): {options.Requests:N0} requests on {A1Replicas} replicas", point.Algorithm,
                names.Select(n => (n, (double)point.PerReplica[n], point.ShareOf(n) * results.Keys.Count)).ToList());
            md.Image($"A-1 {point.Algorithm}", file);
        }
    }

    public void WriteA2(Markdown md)
    {
        if (results.Ns.Count == 0)
        {
            md.Heading("## A-2: load per replica").Paragraph($"Not measured.");
            return;
        }

        md.Heading($"## A-2: load per replica for N = {results.Ns.Min()} … {results.Ns.Max()}");
        md.Paragraph($"{options.Requests:N0} requests for each N. Sampled: requests per replica. Exact: the largest key-space share in `/ring` over the ideal 1/N.");
        foreach (var algorithm in Algorithms)
        {
            var rows = results.Points.Where(p => p.Algorithm == algorithm).OrderBy(p => p.N).ToList();
            md.Heading($"### {algorithm}");
            md.Table(
                ["N", "mean", "min", "max", "std dev", "max / mean (sampled)", "max share / ideal (exact)", "failed"],
                rows.Select(r => (IReadOnlyList<string>)[
                    Invariant(r.N), Markdown.Number(r.Stats.Mean, "0"), Markdown.Number(r.Stats.Min, "0"), Markdown.Number(r.Stats.Max, "0"),
                    Markdown.Number(r.Stats.StdDev, "0.0"), Markdown.Number(r.Stats.MaxOverMean), Markdown.Number(r.Ring.MaxShareOverIdeal),
                    Invariant(r.Load.Failures) + (r.RingChanged ? " (ring changed during the load)" : "")]),
                _ => true);
            var file = $"a2-{algorithm}.png";
            Charts.LoadByN(Path.Combine(output, file), $"A-2 ({algorithm}): requests per replica, {options.Requests:N0} per N", algorithm, rows.Select(r => (r.N, r.Stats)).ToList());
            md.Image($"A-2 {algorithm}", file);
        }
    }

    public void WriteA4(Markdown md)
    {
        md.Heading("## A-4: the four algorithms");
        if (results.Points.Count == 0)
        {
            md.Paragraph($"Not measured.");
            return;
        }

        WriteBalance(md);
        WriteMoves(md);
    }

    private void WriteBalance(Markdown md)
    {
        var ns = results.Ns;
        md.Heading("### Balance");
        md.Paragraph($"Exact: the largest share of the key space over the ideal 1/N, from `/ring`'s `share` values (1.000 is perfect):");
        md.Table(["algorithm", .. ns.Select(n => $"N = {n}")],
            Algorithms.Select(a => (IReadOnlyList<string>)[a, .. ns.Select(n => Cell(results.Point(a, n), p => p.Ring.MaxShareOverIdeal))]), i => i > 0);

        var noise = ns.Select(n => (N: n, Value: SamplingNoise.MaxOverMean(n, results.Keys.Count))).ToList();
        md.Paragraph($"Sampled: the most requests any replica served over the mean, {options.Requests:N0} requests per N. The last row is what sampling alone gives on perfectly equal shares ({SamplingNoise.Trials} simulated runs of {options.Requests:N0} uniform keys):");
        md.Table(["algorithm", .. ns.Select(n => $"N = {n}")],
            Algorithms.Select(a => (IReadOnlyList<string>)[a, .. ns.Select(n => Cell(results.Point(a, n), p => p.Stats.MaxOverMean))])
                .Append(["sampling alone", .. noise.Select(x => Markdown.Number(x.Value))]),
            i => i > 0);

        var series = new List<LineSeries>();
        foreach (var algorithm in Algorithms)
        {
            var points = results.Points.Where(p => p.Algorithm == algorithm).OrderBy(p => p.N).ToList();
            series.Add(new LineSeries($"{algorithm}, exact", algorithm, points.Select(p => (p.N, p.Ring.MaxShareOverIdeal)).ToList()));
            series.Add(new LineSeries($"{algorithm}, sampled", algorithm, points.Select(p => (p.N, p.Stats.MaxOverMean)).ToList(), Dashed: true));
        }

        var reference = new LineSeries("sampling alone", LineSeries.Reference, noise, Dashed: true);
        Charts.Lines(Path.Combine(output, "a4-balance.png"), "A-4: max / ideal, exact (solid) and sampled (dashed)", "max / ideal", [.. series, reference]);
        md.Image("A-4 balance", "a4-balance.png");

        var close = Algorithms.Where(a => results.Points.Where(p => p.Algorithm == a).All(p => p.Ring.MaxShareOverIdeal <= DetailLimit)).ToList();
        if (close.Count > 0 && close.Count < Algorithms.Count)
        {
            Charts.Lines(Path.Combine(output, "a4-balance-detail.png"),
                $"A-4: max / ideal of {string.Join(", ", close)} (exact solid, sampled dashed)", "max / ideal",
                [.. series.Where(s => close.Contains(s.Group)), reference]);
            md.Paragraph($"The same without {string.Join(", ", Algorithms.Except(close))} (exact max / ideal above {DetailLimit}), whose scale hides the others' differences:");
            md.Image("A-4 balance detail", "a4-balance-detail.png");
        }
    }

    private void WriteMoves(Markdown md)
    {
        var froms = results.Moves.Select(m => m.From).Distinct().Order().ToList();
        md.Heading("### Keys moved when one replica is added");
        md.Paragraph($"The {results.Keys.Count:N0} fixed keys are sent before and after adding one replica; a key moved when `X-Replica` differs. The ideal is 1/(N+1), all of it to the new replica. In brackets: keys that moved between two replicas that were both there before (ideal 0).");
        md.Table(["algorithm", .. froms.Select(n => $"{n} → {n + 1} (+ `{results.Moves.First(m => m.From == n).Added}`)")],
            new[] { (IReadOnlyList<string>)["ideal 1/(N+1)", .. froms.Select(n => Markdown.Number(1.0 / (n + 1)))] }
                .Concat(Algorithms.Select(a => (IReadOnlyList<string>)[a, .. froms.Select(n => results.MoveFrom(a, n) is { } m
                    ? $"{Markdown.Number(m.Fraction)} ({Markdown.Number(m.BetweenOldFraction)})"
                    : "—")])),
            i => i > 0);
        var series = Algorithms.Select(a => new LineSeries(a, a, results.Moves.Where(m => m.Algorithm == a).OrderBy(m => m.From).Select(m => (m.From, m.Fraction)).ToList())).ToList();
        series.Add(new LineSeries("ideal 1/(N+1)", LineSeries.Reference, froms.Select(n => (n, 1.0 / (n + 1))).ToList(), Dashed: true));
        Charts.Lines(Path.Combine(output, "a4-moved.png"), "A-4: fraction of keys moved when adding one replica to N", "fraction of keys moved", series);
        md.Image("A-4 keys moved", "a4-moved.png");
    }

    private static string Cell(Measurement? point, Func<Measurement, double> value) => point is null ? "—" : Markdown.Number(value(point));

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
