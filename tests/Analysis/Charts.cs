using ScottPlot;

namespace Orleans.LoadBalancer.Analysis;

/// <summary>The report's PNG charts.</summary>
public static class Charts
{
    private const int Width = 800;
    private const int Height = 450;

    public static void Bars(string path, string title, IReadOnlyList<(string Label, double Value)> bars, string yLabel)
    {
        var plot = new Plot();
        var added = plot.Add.Bars(bars.Select(b => b.Value).ToArray());
        for (var i = 0; i < added.Bars.Count; i++)
        {
            added.Bars[i].Label = bars[i].Value.ToString("0", System.Globalization.CultureInfo.InvariantCulture);
        }

        added.ValueLabelStyle.FontSize = 14;
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, bars.Count).Select(i => (double)i).ToArray(), bars.Select(b => b.Label).ToArray());
        plot.Axes.Margins(bottom: 0);
        plot.Title(title);
        plot.YLabel(yLabel);
        plot.SavePng(path, Width, Height);
    }

    /// <summary>Mean load per replica against N, with the min–max range and ± one standard deviation.</summary>
    public static void LoadByN(string path, string title, IReadOnlyList<LoadStats> rows)
    {
        var plot = new Plot();
        var xs = rows.Select(r => (double)r.Replicas).ToArray();
        var mean = plot.Add.Scatter(xs, rows.Select(r => r.Mean).ToArray());
        mean.LegendText = "mean";
        var max = plot.Add.Scatter(xs, rows.Select(r => r.Max).ToArray());
        max.LegendText = "max";
        max.LinePattern = LinePattern.Dashed;
        var min = plot.Add.Scatter(xs, rows.Select(r => r.Min).ToArray());
        min.LegendText = "min";
        min.LinePattern = LinePattern.Dashed;
        var errors = plot.Add.ErrorBar(xs, rows.Select(r => r.Mean).ToArray(), rows.Select(r => r.StdDev).ToArray());
        errors.LegendText = "± std dev";
        plot.ShowLegend();
        plot.Title(title);
        plot.XLabel("replicas (N)");
        plot.YLabel("requests per replica");
        plot.SavePng(path, Width, Height);
    }

    /// <summary>One line per series against N.</summary>
    public static void Lines(string path, string title, string yLabel, IReadOnlyDictionary<string, IReadOnlyList<(int N, double Value)>> series)
    {
        var plot = new Plot();
        foreach (var (name, points) in series)
        {
            var line = plot.Add.Scatter(points.Select(p => (double)p.N).ToArray(), points.Select(p => p.Value).ToArray());
            line.LegendText = name;
        }

        plot.ShowLegend();
        plot.Title(title);
        plot.XLabel("replicas (N)");
        plot.YLabel(yLabel);
        plot.SavePng(path, Width, Height);
    }
}

/// <summary>Per-replica request counts for one N.</summary>
public sealed record LoadStats(int Replicas, double Mean, double Min, double Max, double StdDev, int Failures)
{
    public double MaxOverMean => Max / Mean;

    public static LoadStats Of(int replicas, IReadOnlyDictionary<string, int> perReplica, int failures)
    {
        var counts = Enumerable.Range(0, replicas).Select(i => 0.0).ToArray();
        var values = perReplica.Values.Select(v => (double)v).Concat(counts.Skip(perReplica.Count)).ToArray();
        var mean = values.Average();
        var std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
        return new LoadStats(replicas, mean, values.Min(), values.Max(), std, failures);
    }
}
