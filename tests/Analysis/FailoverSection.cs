using System.Globalization;

namespace Orleans.LoadBalancer.Analysis;

/// <summary>A-3 of the report: the endpoint tour and the kill, with its chart.</summary>
public sealed class FailoverSection(IReadOnlyList<EndpointCheck> checks, FailoverResult failover, AnalysisOptions options, string output)
{
    public void Write(Markdown md)
    {
        md.Heading("## A-3: every endpoint, then a replica killed under load");
        var passed = checks.Count(c => c.Passed);
        md.Paragraph($"{passed} of {checks.Count} requests got exactly the expected status and body (bodies compared byte for byte with the seed's strings where the seed defines them).");
        md.Table(["request", "expected", "got", ""], checks.Select(c => (IReadOnlyList<string>)[$"`{c.Request.Replace("`", "", StringComparison.Ordinal)}`" , c.Expected, c.Got, c.Passed ? "ok" : "**unexpected**"]));
        WriteKill(md);
    }

    private void WriteKill(Markdown md)
    {
        md.Heading("### Killing a replica under load");
        if (failover.NotRunBecause is { } reason)
        {
            md.Paragraph($"**Not run**: {reason}. Detection, recovery and failed requests were therefore not measured.");
            return;
        }

        var t = failover.Timeline!;
        var victim = $"`{failover.Victim}`";
        var samples = failover.Samples;
        var keys = t.VictimKeys.Count(k => k);
        md.Paragraph($"A pool of {failover.PoolSize:N0} random ids was sent round and round to `/home`, {options.Concurrency} requests in flight; {victim} ({failover.Runtime} runtime) served {keys:N0} of those keys. After {samples.Count(s => s.EndMs < t.KillAt):N0} requests it was killed ({failover.KilledBy}, which took {failover.KillCommandMs:0.0} ms); the load went on {(t.RecoveryMs is null ? "until the time limit, its keys not back" : "until its keys had come back to it")}. {samples.Count:N0} requests in all.");

        var failedAfter = t.Failed.Count(s => s.EndMs >= t.KillAt);
        md.Table(["from the kill to …", "time", "seen by"],
        [
            ["the first of its keys answered by another replica (rerouted)", Markdown.Ms(t.RerouteMs), "the load"],
            ["`/ring` marks it down", Markdown.Ms(t.DownMs), string.Create(CultureInfo.InvariantCulture, $"polling `/ring` and `/replicas`, one round every {failover.PollIntervalMs:0} ms")],
            ["`/replicas` shows it at a new address", Markdown.Ms(t.MovedMs), "the same polling"],
            .. (t.GoneMs is { } gone ? new[] { (IReadOnlyList<string>)["`/ring` no longer lists it", Markdown.Ms(gone), "the same polling"] } : []),
            ["**detection** (the earliest of the above)", $"**{Markdown.Ms(t.DetectionMs)}**", ""],
            ["its keys answered by it again, for a request sent after detection", $"**{Markdown.Ms(t.RecoveryMs)}**", "the load"],
            ["`/ring` up at the new address", Markdown.Ms(t.ApiRecoveryMs), "the polling"],
        ]);
        md.Paragraph($"**{t.Failed.Count} failed requests** of {samples.Count:N0} ({failedAfter} after the kill){FailureKinds(t)}; {t.Rerouted:N0} answers for {failover.Victim}'s keys came from another replica after the kill.");

        var window = t.SettledMs is { } settled ? $"sent before its keys came back ({settled:0} ms after the kill)" : "sent within a second of the kill (no replacement was seen)";
        var around = failover.AroundKill.ToList();
        md.Paragraph($"Latency (ms) of the requests before the kill (after the first pass over the pool), of those in flight at the kill or {window}, and after:");
        md.Table(["requests", "count", "p50", "p99", "max"],
        [
            Row("before the kill", LatencySummary.Of(failover.Baseline)),
            Row("around the kill, all keys", LatencySummary.Of(around)),
            Row($"around the kill, {failover.Victim}'s keys", LatencySummary.Of(around.Where(s => t.VictimKeys[s.Key]))),
            Row("after", LatencySummary.Of(failover.After)),
        ], i => i > 0);

        Charts.Failover(Path.Combine(output, "a3-failover.png"), $"A-3: requests around the kill of {failover.Victim}", failover);
        md.Image("A-3 failover", "a3-failover.png");
    }

    private static string FailureKinds(FailoverTimeline t) =>
        t.Failed.Count == 0 ? "" : ": " + string.Join(", ", t.Failed.GroupBy(s => s.Status).OrderBy(g => g.Key)
            .Select(g => $"{g.Count()} × {(g.Key == 0 ? "no response" : g.Key.ToString(CultureInfo.InvariantCulture))}"));

    private static IReadOnlyList<string> Row(string name, LatencySummary s) =>
        [name, s.Count.ToString("N0", CultureInfo.InvariantCulture), Markdown.Number(s.P50, "0.0"), Markdown.Number(s.P99, "0.0"), Markdown.Number(s.Max, "0.0")];
}
