using System.Text.RegularExpressions;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// A cluster with two external replicas beside its three processes (one to stop, one that fails every request), and a
/// real Prometheus that scrapes its gateway and silo every second with the rules of <c>deploy/prometheus/alerts.yml</c>.
/// The gateway's retry budget is one retry per 10 s, so a few failures in a row make it refuse one (the metric of
/// refusals appears only then), and an ejection lasts 100 ms however often it comes, so the replica it ejects is soon
/// routed to again.
/// </summary>
public sealed partial class AlertingFixture : IAsyncLifetime
{
    public const string GatewayJob = "orleans-lb-gateway";
    public const string SiloJob = "orleans-lb-silo";

    public static string RulesPath => Path.Combine(RepoPaths.Root, "deploy", "prometheus", "alerts.yml");

    public ExternalBackend Stoppable { get; private set; } = null!;

    public FaultyBackend Faulty { get; private set; } = null!;

    public LoadBalancerCluster Cluster { get; private set; } = null!;

    public PrometheusServer Prometheus { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Stoppable = await ExternalBackend.StartAsync("ext-down");
        Faulty = await FaultyBackend.StartAsync();
        Cluster = await LoadBalancerCluster.StartAsync(
            siloSettings: new Dictionary<string, string>
            {
                ["Replicas__Static__0__Name"] = "ext-down",
                ["Replicas__Static__0__Address"] = Stoppable.Address,
                ["Replicas__Static__1__Name"] = "faulty",
                ["Replicas__Static__1__Address"] = Faulty.Address,
            },
            gatewaySettings: new Dictionary<string, string>
            {
                ["Gateway__RetryBudget__Percent"] = "0",
                ["Gateway__RetryBudget__MinRetries"] = "1",
                ["Gateway__Outlier__BaseEjectionTime"] = "00:00:00.100",
                ["Gateway__Outlier__MaxEjectionTime"] = "00:00:00.100",
            },
            expectedReplicas: 5);
        Prometheus = await PrometheusServer.StartAsync(new Dictionary<string, string>
        {
            ["prometheus.yml"] = $"""
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                  - alerts.yml
                scrape_configs:
                  - job_name: {GatewayJob}
                    static_configs:
                      - targets: ["{Cluster.Gateway.Address.Authority}"]
                  - job_name: {SiloJob}
                    static_configs:
                      - targets: ["{Cluster.SiloUrl.Authority}"]
                """,
            // The shipped expressions as they are; only the hold times shrink to a test's seconds.
            ["alerts.yml"] = HoldTime().Replace(await File.ReadAllTextAsync(RulesPath), "for: 1s"),
        });
    }

    public async Task DisposeAsync()
    {
        if (Prometheus is not null)
        {
            await Prometheus.DisposeAsync();
        }

        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        await Stoppable.DisposeAsync();
        await Faulty.DisposeAsync();
    }

    /// <summary>The number of alerting rules in the shipped file.</summary>
    public static int RuleCount() => File.ReadLines(RulesPath).Count(l => l.TrimStart().StartsWith("- alert:", StringComparison.Ordinal));

    [GeneratedRegex(@"for: \d+[smh]")]
    private static partial Regex HoldTime();
}
