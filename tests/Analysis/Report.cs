namespace Orleans.LoadBalancer.Analysis;

/// <summary>Everything one run found, written as <c>report.md</c> with its charts.</summary>
public sealed record Report(
    AnalysisOptions Options,
    DateTime Started,
    TimeSpan Took,
    ClusterBaseline Baseline,
    IReadOnlyList<EndpointCheck> Checks,
    BalanceResults Balance,
    WeightResults Weights,
    FailoverResult Failover,
    RingView End,
    IReadOnlyList<string> RestoreNotes)
{
    public string Write(string output)
    {
        var md = new Markdown();
        md.Heading("# Load balancer analysis (A-1 … A-4)");
        md.Paragraph($"Generated on {Started:yyyy-MM-dd HH:mm} UTC in {Took.TotalMinutes:0.0} min by `{Options.CommandLine()}` against a running gateway; every figure below comes from that run. Requests are `GET /home` with a random 6-digit `X-Request-Id`, {Options.Concurrency} in flight; each measurement of A-1, A-2 and A-4 sends the same {Balance.Keys.Count:N0} ids.");
        md.Paragraph($"At the start the gateway routed with `{Baseline.Algorithm}` over {Baseline.Names.Count} replicas ({string.Join(", ", Baseline.Replicas.Select(r => r.Runtime).Distinct())} runtime): {Names(Baseline.Names)}.");

        var balance = new BalanceSections(Balance, Options, output);
        balance.WriteSets(md);
        balance.WriteA1(md);
        balance.WriteA2(md);
        new FailoverSection(Checks, Failover, Options, output).Write(md);
        balance.WriteA4(md);
        new WeightSection(Weights, Options, output).Write(md);

        md.Heading("## After the run");
        md.Paragraph($"The gateway routes with `{End.Algorithm}` over {Names(End.Names)} (at the start: `{Baseline.Algorithm}` over {Names(Baseline.Names)}), weights {WeightList(End)} (at the start: {WeightList(Baseline.Replicas)}).");
        foreach (var note in RestoreNotes)
        {
            md.Paragraph($"{note}.");
        }

        return md.ToString();
    }

    private static string WeightList(RingView ring) => string.Join(", ", ring.Replicas.Select(r => $"`{r.Name}` {r.Weight}"));

    private static string WeightList(IEnumerable<ReplicaInfo> replicas) => string.Join(", ", replicas.Select(r => $"`{r.Name}` {r.Weight}"));

    private static string Names(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"`{n}`"));
}
