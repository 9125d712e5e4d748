using System.Globalization;
using ScottPlot;

namespace Orleans.LoadBalancer.Analysis;

/// <summary>The report's PNG charts.</summary>
public static class Charts
{
    private const int Width = 1100;
    private const int Height = 500;

    private static readonly IPalette Palette = new ScottPlot.Palettes.Category10();

    // One colour per algorithm on every chart, whatever else a chart shows.
    private static readonly string[] AlgorithmOrder = ["slots", "ring", "maglev", "classic"];

    public static Color ColorOf(string algorithm) =>
        Array.IndexOf(AlgorithmOrder, algorithm) is var i and >= 0 ? Palette.GetColor(i) : Palette.GetColor(AlgorithmOrder.Length);

    /// <summary>Requests per replica as bars, with what the exact key-space share predicts as markers.</summary>
    public static void Bars(string path, string title, string algorithm, IReadOnlyList<(string Label, double Value, double Expected)> bars)
    {
        var plot = new Plot();
        var added = plot.Add.Bars(bars.Select(b => b.Value).ToArray());
        added.LegendText = "requests served";
        added.Color = ColorOf(algorithm);
        for (var i = 0; i < added.Bars.Count; i++)
        {
            added.Bars[i].Label = bars[i].Value.ToString("0", CultureInfo.InvariantCulture);
        }

        added.ValueLabelStyle.FontSize = 14;
        var xs = Enumerable.Range(0, bars.Count).Select(i => (double)i).ToArray();
        var expected = plot.Add.Markers(xs, bars.Select(b => b.Expected).ToArray(), MarkerShape.FilledDiamond, 12, Colors.Black);
        expected.LegendText = "exact share × requests (/ring)";
        plot.Axes.Bottom.SetTicks(xs, bars.Select(b => b.Label).ToArray());
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.ShowLegend(Edge.Right);
        Save(plot, path, title, null, "requests");
    }

    /// <summary>
    /// Requests per replica as bars side by side, one colour per algorithm, each with its ideal as a marker;
    /// <paramref name="groups"/> label the replicas, and each series has one value and one ideal per group.
    /// </summary>
    public static void GroupedBars(
        string path, string title, IReadOnlyList<string> groups, IReadOnlyList<(string Algorithm, double[] Values, double[] Ideal)> series, string idealLabel)
    {
        var plot = new Plot();
        var width = 0.8 / Math.Max(1, series.Count);
        var idealXs = new List<double>();
        var idealYs = new List<double>();
        for (var j = 0; j < series.Count; j++)
        {
            var (algorithm, values, ideal) = series[j];
            var offset = (j - (series.Count - 1) / 2.0) * width;
            var bars = values.Select((v, i) => new Bar
            {
                Position = i + offset,
                Value = v,
                Size = width * 0.92,
                Label = v.ToString("0", CultureInfo.InvariantCulture),
            }).ToList();
            var added = plot.Add.Bars(bars);
            added.LegendText = algorithm;
            added.Color = ColorOf(algorithm);
            added.ValueLabelStyle.FontSize = 11;
            idealXs.AddRange(bars.Select(b => b.Position));
            idealYs.AddRange(ideal);
        }

        var expected = plot.Add.Markers(idealXs.ToArray(), idealYs.ToArray(), MarkerShape.FilledDiamond, 10, Colors.Black);
        expected.LegendText = idealLabel;
        var xs = Enumerable.Range(0, groups.Count).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(xs, groups.ToArray());
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.ShowLegend(Edge.Right);
        Save(plot, path, title, null, "requests");
    }

    /// <summary>
    /// Mean load per replica against N, with the min–max range and ± one standard deviation; a load cannot be negative, so
    /// the bar below the mean stops at zero.
    /// </summary>
    public static void LoadByN(string path, string title, string algorithm, IReadOnlyList<(int N, LoadStats Stats)> rows)
    {
        var plot = new Plot();
        var color = ColorOf(algorithm);
        var xs = rows.Select(r => (double)r.N).ToArray();
        var mean = plot.Add.Scatter(xs, rows.Select(r => r.Stats.Mean).ToArray(), color);
        mean.LegendText = "mean";
        var max = plot.Add.Scatter(xs, rows.Select(r => r.Stats.Max).ToArray(), color);
        max.LegendText = "max";
        max.LinePattern = LinePattern.Dashed;
        var min = plot.Add.Scatter(xs, rows.Select(r => r.Stats.Min).ToArray(), color);
        min.LegendText = "min";
        min.LinePattern = LinePattern.Dotted;
        var errors = plot.Add.ErrorBar(xs, rows.Select(r => r.Stats.Mean).ToArray(), rows.Select(r => r.Stats.StdDev).ToArray());
        errors.YErrorNegative = rows.Select(r => Math.Min(r.Stats.StdDev, r.Stats.Mean)).ToArray();
        errors.Color = color;
        errors.LegendText = "± std dev";
        IntegerTicks(plot, xs);
        plot.ShowLegend(Edge.Right);
        Save(plot, path, title, "replicas (N)", "requests per replica");
    }

    /// <summary>A line per series against N; a group is an algorithm and has its colour, and a dashed series is drawn dashed.</summary>
    public static void Lines(string path, string title, string yLabel, IReadOnlyList<LineSeries> series)
    {
        var plot = new Plot();
        foreach (var s in series)
        {
            var line = plot.Add.Scatter(s.Points.Select(p => (double)p.N).ToArray(), s.Points.Select(p => p.Value).ToArray());
            line.LegendText = s.Name;
            line.Color = s.Group == LineSeries.Reference ? Colors.Gray : ColorOf(s.Group);
            line.LinePattern = s.Dashed ? LinePattern.Dashed : LinePattern.Solid;
            line.LineWidth = s.Dashed ? 1.5f : 2.5f;
            line.MarkerSize = s.Dashed ? 6 : 8;
        }

        IntegerTicks(plot, series.SelectMany(s => s.Points).Select(p => (double)p.N).Distinct().ToArray());
        plot.ShowLegend(Edge.Right);
        Save(plot, path, title, "replicas (N)", yLabel);
    }

    /// <summary>Each request around the kill: latency against the time it was sent, by who answered it.</summary>
    public static void Failover(string path, string title, FailoverResult result)
    {
        var timeline = result.Timeline!;
        var from = -300.0;
        var to = (timeline.SettledMs ?? 1000) + 500;
        var shown = result.Samples
            .Select(s => (Sample: s, At: s.StartMs - timeline.KillAt))
            .Where(s => s.At >= from && s.At <= to)
            .ToList();
        var plot = new Plot();
        var groups = new (string Name, Func<Sample, bool> Match, Color Color)[]
        {
            ("other keys", s => s.Succeeded && !timeline.VictimKeys[s.Key], Colors.LightGray),
            ($"{result.Victim}'s keys, served by {result.Victim}", s => s.Succeeded && timeline.VictimKeys[s.Key] && s.Replica == result.Victim, Palette.GetColor(0)),
            ($"{result.Victim}'s keys, served by another replica", s => s.Succeeded && timeline.VictimKeys[s.Key] && s.Replica != result.Victim, Palette.GetColor(1)),
            ("failed", s => !s.Succeeded, Colors.Red),
        };
        foreach (var (name, match, color) in groups)
        {
            var points = shown.Where(s => match(s.Sample)).ToList();
            if (points.Count == 0)
            {
                continue;
            }

            var markers = plot.Add.Markers(points.Select(p => p.At).ToArray(), points.Select(p => p.Sample.LatencyMs).ToArray(), MarkerShape.FilledCircle, 4, color);
            markers.LegendText = $"{name} ({points.Count})";
        }

        Line(plot, 0, "kill", Colors.Black);
        if (timeline.DetectionMs is { } detected)
        {
            Line(plot, detected, $"detected ({detected:0} ms)", Palette.GetColor(1));
        }

        if (timeline.SettledMs is { } settled)
        {
            Line(plot, settled, $"replacement serving ({settled:0} ms)", Palette.GetColor(2));
        }

        plot.ShowLegend(Edge.Right);
        Save(plot, path, title, "request sent at (ms after the kill)", "latency (ms)");
    }

    private static void Line(Plot plot, double x, string label, Color color)
    {
        var line = plot.Add.VerticalLine(x, 2, color, LinePattern.Dashed);
        line.LegendText = label;
    }

    private static void IntegerTicks(Plot plot, double[] xs) =>
        plot.Axes.Bottom.SetTicks(xs, xs.Select(x => x.ToString("0", CultureInfo.InvariantCulture)).ToArray());

    private static void Save(Plot plot, string path, string title, string? xLabel, string yLabel)
    {
        plot.Title(title);
        if (xLabel is not null)
        {
            plot.XLabel(xLabel);
        }

        plot.YLabel(yLabel);
        plot.SavePng(path, Width, Height);
    }
}

/// <summary>One line of a chart against N.</summary>
public sealed record LineSeries(string Name, string Group, IReadOnlyList<(int N, double Value)> Points, bool Dashed = false)
{
    /// <summary>The group of reference lines (ideal, sampling noise), drawn in grey.</summary>
    public const string Reference = "";
}
