using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>The shipped alert rules and Grafana dashboard, run by a real Prometheus against a real cluster.</summary>
public sealed partial class AlertingTests(AlertingFixture fixture, ITestOutputHelper output) : IClassFixture<AlertingFixture>
{
    private static readonly string[] Keys = Enumerable.Range(0, 200).Select(i => $"alert-key-{i}").ToArray();

    [Fact]
    public async Task Every_rule_loads_and_evaluates_and_replica_down_fires_for_a_stopped_replica()
    {
        var prometheus = fixture.Prometheus;
        var clock = Stopwatch.StartNew();
        await Eventually.TrueAsync(async () =>
        {
            var rules = await RulesAsync();
            return rules.Count == AlertingFixture.RuleCount() && rules.All(r => r.GetProperty("health").GetString() == "ok");
        }, TimeSpan.FromSeconds(30), "every rule of alerts.yml is loaded and evaluates without an error");
        await Eventually.TrueAsync(async () => (await prometheus.QueryAsync("lb_replica_up")).Count == 5, TimeSpan.FromSeconds(30), "the gateway is scraped");
        Assert.Empty(await ReplicaDownAlertsAsync());
        output.WriteLine($"rules evaluated after {clock.ElapsedMilliseconds} ms");

        await fixture.Stoppable.StopAsync();
        var stopped = Stopwatch.StartNew();
        await Eventually.TrueAsync(async () => (await ReplicaDownAlertsAsync()).Any(a => a.State == "firing"), TimeSpan.FromSeconds(30),
            "OrleansLbReplicaDown fires");
        output.WriteLine($"OrleansLbReplicaDown firing {stopped.ElapsedMilliseconds} ms after the replica stopped");
        var alerts = await ReplicaDownAlertsAsync();
        Assert.Equal([("ext-down", "firing")], alerts.Select(a => (a.Replica, a.State)));

        // No rule watches a metric the cluster does not export (a misspelt one would never fire). Counters appear with
        // their first increment: the faulty replica's 502s are retried until the budget of one retry refuses, and five
        // in a row eject it; then a reset marks it suspect (the 502s first: a suspect is skipped for 3 s).
        await SendUntilCountedAsync(fixture.Cluster.Gateway, "/bad-gateway", "lb_gateway_outlier_ejections_total", "lb_gateway_retry_budget_exhausted_total");
        await SendUntilCountedAsync(fixture.Cluster.Gateway, "/reset", "lb_gateway_suspect_marks_total");
        var metrics = MetricName().Matches(await File.ReadAllTextAsync(AlertingFixture.RulesPath)).Select(m => m.Value).Distinct().ToList();
        Assert.Empty(await WithoutSeriesAsync(metrics.Select(m => (m, m)).ToList()));
        output.WriteLine($"metrics the rules use, all exported ({clock.ElapsedMilliseconds} ms): " + string.Join(", ", metrics));
    }

    [Fact]
    public async Task Every_dashboard_query_is_valid_and_returns_series()
    {
        // What the panels show: requests (some answered 500), 502s that are retried, then refused by the budget, and
        // eject a replica, resets that mark it suspect, a process replica that dies and is replaced.
        var gateway = fixture.Cluster.Gateway;
        await SendAsync(gateway, "/home");
        await SendUntilCountedAsync(gateway, "/bad-gateway", "lb_gateway_outlier_ejections_total", "lb_gateway_retry_budget_exhausted_total");
        await SendUntilCountedAsync(gateway, "/reset", "lb_gateway_suspect_marks_total");
        using (var replicas = await gateway.GetJsonAsync("/replicas"))
        {
            var id = replicas.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray()
                .Single(r => r.GetProperty("name").GetString() == "Server 1").GetProperty("runtimeId").GetString();
            Process.GetProcessById(int.Parse(id!, System.Globalization.CultureInfo.InvariantCulture)).Kill();
        }

        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "deploy", "grafana", "orleans-lb.json")));
        var variables = await ResolveVariablesAsync(dashboard.RootElement);
        var queries = Panels(dashboard.RootElement)
            .SelectMany(p => p.TryGetProperty("targets", out var targets) ? targets.EnumerateArray() : [])
            .Select(t => (Expression: t.GetProperty("expr").GetString()!, Query: Substitute(t.GetProperty("expr").GetString()!, variables)))
            .ToList();
        Assert.True(queries.Count >= 15, $"{queries.Count} queries");
        Assert.All(queries, q => Assert.DoesNotContain("$", q.Query, StringComparison.Ordinal));

        Assert.Empty(await WithoutSeriesAsync(queries));
        output.WriteLine($"{queries.Count} queries, each with series; variables: {string.Join(", ", variables.Select(v => $"{v.Key}={v.Value}"))}");
    }

    /// <summary>
    /// The expressions whose queries still return no series after 30 s (counters appear with their first increment,
    /// rates need two scrapes).
    /// </summary>
    private async Task<List<string>> WithoutSeriesAsync(IReadOnlyList<(string Expression, string Query)> queries)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var empty = new List<string>();
            foreach (var (expression, query) in queries)
            {
                if ((await fixture.Prometheus.QueryAsync(query)).Count == 0)
                {
                    empty.Add(expression);
                }
            }

            if (empty.Count == 0 || DateTime.UtcNow > deadline)
            {
                return empty;
            }

            await Task.Delay(500);
        }
    }

    private async Task<List<JsonElement>> RulesAsync() =>
        [.. (await fixture.Prometheus.GetDataAsync("rules")).GetProperty("groups").EnumerateArray().SelectMany(g => g.GetProperty("rules").EnumerateArray())];

    private async Task<List<(string Replica, string State)>> ReplicaDownAlertsAsync() =>
        [.. (await fixture.Prometheus.GetDataAsync("alerts")).GetProperty("alerts").EnumerateArray()
            .Where(a => a.GetProperty("labels").GetProperty("alertname").GetString() == "OrleansLbReplicaDown")
            .Select(a => (a.GetProperty("labels").GetProperty("replica").GetString()!, a.GetProperty("state").GetString()!))];

    /// <summary>
    /// Sends <paramref name="path"/> for every key until the gateway exports each of <paramref name="metrics"/> (ten
    /// rounds at most): a request for the faulty replica that comes while it is ejected or suspect goes elsewhere and
    /// counts nothing.
    /// </summary>
    private static async Task SendUntilCountedAsync(GatewayEndpoint gateway, string path, params string[] metrics)
    {
        for (var round = 0; round < 10; round++)
        {
            var exported = await gateway.Http.GetStringAsync("/metrics");
            if (metrics.All(m => exported.Contains(m, StringComparison.Ordinal)))
            {
                return;
            }

            await SendAsync(gateway, path);
        }
    }

    private static async Task SendAsync(GatewayEndpoint gateway, string path)
    {
        foreach (var key in Keys)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "X-Request-Id", key } } };
            using var response = await gateway.Http.SendAsync(request);
            Assert.NotEqual(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }
    }

    /// <summary>Every panel, those inside rows included.</summary>
    private static IEnumerable<JsonElement> Panels(JsonElement dashboard) =>
        dashboard.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.TryGetProperty("panels", out var inner) ? inner.EnumerateArray().Prepend(p) : [p]);

    /// <summary>Each query variable's values as Grafana would find them (<c>label_values(metric, label)</c>), as a regex.</summary>
    private async Task<Dictionary<string, string>> ResolveVariablesAsync(JsonElement dashboard)
    {
        var values = new Dictionary<string, string> { ["__rate_interval"] = "10s" };
        foreach (var variable in dashboard.GetProperty("templating").GetProperty("list").EnumerateArray().Where(v => v.GetProperty("type").GetString() == "query"))
        {
            var definition = LabelValues().Match(variable.GetProperty("definition").GetString()!);
            Assert.True(definition.Success, $"variable {variable.GetProperty("name")}: only label_values(metric, label) is resolved here");
            var path = $"label/{definition.Groups["label"].Value}/values?match[]={Uri.EscapeDataString(definition.Groups["metric"].Value)}";
            List<string> found = [];
            await Eventually.TrueAsync(async () =>
            {
                found = [.. (await fixture.Prometheus.GetDataAsync(path)).EnumerateArray().Select(v => Regex.Escape(v.GetString()!))];
                return found.Count > 0;
            }, TimeSpan.FromSeconds(30), $"variable {variable.GetProperty("name")} has values");
            values[variable.GetProperty("name").GetString()!] = string.Join('|', found);
        }

        return values;
    }

    private static string Substitute(string expression, Dictionary<string, string> variables) =>
        Variable().Replace(expression, m => variables.TryGetValue(m.Groups["name"].Value, out var value) ? value : m.Value);

    [GeneratedRegex(@"\blb_[a-z_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"^label_values\((?<metric>[^,]+),\s*(?<label>\w+)\)$")]
    private static partial Regex LabelValues();

    [GeneratedRegex(@"\$\{?(?<name>\w+)\}?")]
    private static partial Regex Variable();
}
