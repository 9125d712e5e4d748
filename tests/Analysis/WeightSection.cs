using System.Globalization;

namespace Orleans.LoadBalancer.Analysis;

/// <summary>The report's section on shares under mixed weights, and its chart.</summary>
public sealed class WeightSection(WeightResults results, AnalysisOptions options, string output)
{
    public const string Chart = "weights-shares.png";

    public void Write(Markdown md)
    {
        md.Heading("## Shares under mixed weights");
        foreach (var note in results.Notes)
        {
            md.Paragraph($"{note}.");
        }

        var points = results.Points;
        if (points.Count == 0)
        {
            return;
        }

        var names = results.Names;
        var mix = string.Join(", ", names.Select(n => $"`{n}` {results.Weights[n]}"));
        md.Paragraph($"The {names.Count} replicas found got weights {string.Join(", ", WeightStudy.Mix)} in turn with `PUT /replicas/{{name}}/weight` ({mix}; W = {results.TotalWeight}), and the same {results.Keys.Count:N0} random ids were sent under {string.Join(", ", points.Select(p => $"`{p.Algorithm}`"))}, {options.Concurrency} in flight. Each replica's ideal is w / W of the requests served. Every weight was {(results.Restored ? "set back to its value from before the study at its end" : "**not** set back to its value from before the study (see After the run)")}.");
        md.Paragraph($"Requests served by each replica, and in brackets its exact share of the key space from `/ring`:");
        md.Table(
            ["replica", "weight", "ideal share w / W", .. points.Select(p => p.Algorithm)],
            names.Select(n => (IReadOnlyList<string>)[
                    $"`{n}`", Invariant(results.Weights[n]), $"{results.IdealShare(n) * 100:0.0} %",
                    .. points.Select(p => $"{p.Requests(n)} ({p.ShareOf(n) * 100:0.0} %)")])
                .Append(["**max requests / ideal** (sampled)", "", "", .. points.Select(p => $"**{Markdown.Number(p.MaxOverIdeal(results))}**")])
                .Append(["max share / ideal (exact, `/ring`)", "", "", .. points.Select(p => Markdown.Number(p.ExactMaxOverIdeal(results)))])
                .Append(["failed", "", "", .. points.Select(p => Invariant(p.Load.Failures) + (p.RingChanged ? " (ring changed during the load)" : ""))]),
            i => i > 0);

        var noise = SamplingNoise.MaxOverIdeal(names.Select(n => results.Weights[n]).ToList(), results.Keys.Count);
        md.Paragraph($"Max requests / ideal: {string.Join(", ", points.Select(p => $"`{p.Algorithm}` {Markdown.Number(p.MaxOverIdeal(results))}"))}. Sampling alone gives {Markdown.Number(noise)} on exactly weighted shares ({SamplingNoise.Trials} simulated runs of {results.Keys.Count:N0} keys), so a sampled ratio near that says the shares follow the weights; the exact ratio is the table's own error.");

        Charts.GroupedBars(Path.Combine(output, Chart), $"Requests per replica under weights {string.Join(", ", names.Select(n => results.Weights[n]))} ({results.Keys.Count:N0} requests)",
            names.Select(n => $"{n} (w = {results.Weights[n]})").ToList(),
            points.Select(p => (p.Algorithm, names.Select(n => (double)p.Requests(n)).ToArray(), names.Select(n => results.IdealShare(n) * p.Served).ToArray())).ToList(),
            "ideal: w / W × requests");
        md.Image("Shares under mixed weights", Chart);

        md.Paragraph($"`classic` is not measured: its assignment has no weights. {ClassicText()}");
    }

    private string ClassicText() => results.Classic is { } probe
        ? $"Under `classic`, `PUT /replicas/{probe.Replica}/weight {{\"weight\": 2}}` answered {probe.Status} `{probe.Body.Trim()}`, and `{probe.Replica}` kept weight {probe.WeightAfter}."
        : "It refuses any weight but 1 with 400 (not tried in this run: a weight other than 1 was set before it).";

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
