using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>A real Prometheus scraping a gateway, the Orleans Dashboard on the silo, and the ring view in headless Chromium.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ObservabilityTests(ClusterFixture fixture, ITestOutputHelper output)
{
    // The ring view's first colours, in the order it meets replicas (gateway/wwwroot/ring-view.html).
    private static readonly string[] Palette = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4"];

    [Fact]
    public async Task Prometheus_sees_every_routed_request_per_replica_and_shares_summing_to_one()
    {
        // A gateway of its own, so that the count is exactly this test's requests.
        var gateway = await fixture.Cluster.StartGatewayAsync();
        var prometheus = ExternalTool.Require("prometheus", "/usr/bin/prometheus");
        var port = FreePort.Next();
        var dir = Directory.CreateTempSubdirectory("lb-prometheus-");
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: gateway
                static_configs:
                  - targets: ["127.0.0.1:{gateway.Address.Port}"]
            """);
        var start = new ProcessStartInfo(prometheus)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                $"--config.file={Path.Combine(dir.FullName, "prometheus.yml")}",
                $"--storage.tsdb.path={Path.Combine(dir.FullName, "data")}",
                $"--web.listen-address=127.0.0.1:{port}",
            },
        };
        using var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            const int requests = 1000;
            var load = LoadRun.Start(gateway, requests, clients: 8, cap: TimeSpan.FromSeconds(60), out var running);
            await running;
            Assert.Empty(load.Failures);

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            double total = 0;
            await Eventually.TrueAsync(async () =>
            {
                total = await QueryScalarAsync(http, "sum(lb_gateway_requests_total)");
                return total >= requests;
            }, TimeSpan.FromSeconds(30), "Prometheus scraped the gateway");
            Assert.Equal(requests, total);

            var perReplica = await QueryVectorAsync(http, "sum by (replica) (lb_gateway_requests_total)");
            Assert.Equal(3, perReplica.Count);
            Assert.Equal(requests, perReplica.Values.Sum());
            output.WriteLine("requests per replica: " + string.Join(", ", perReplica.Select(p => $"{p.Key}={p.Value}")));

            var shares = await QueryVectorAsync(http, "lb_ring_share");
            Assert.Equal(3, shares.Count);
            Assert.Equal(1.0, shares.Values.Sum(), 6);
            Assert.Equal(1, (await QueryVectorAsync(http, "lb_replica_up")).Values.Min());
            Assert.True(await QueryScalarAsync(http, "sum(lb_gateway_request_duration_seconds_count)") >= requests);
            Assert.True(await QueryScalarAsync(http, "max(lb_ring_version)") >= 1);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_silo_serves_metrics_and_the_dashboard_shows_the_ring_grain()
    {
        using var http = new HttpClient { BaseAddress = fixture.Cluster.SiloUrl };

        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("orleans_", metrics);

        // Each replica's lifecycle state, one series per state: 1 for the state it is in.
        await Eventually.TrueAsync(async () =>
        {
            var lines = (await http.GetStringAsync("/metrics")).Split('\n').Where(l => l.StartsWith("lb_replica_health{", StringComparison.Ordinal)).ToList();
            bool Has(string replica, string state, string value) => lines.Any(l =>
                l.Contains($"replica=\"{replica}\"", StringComparison.Ordinal) && l.Contains($"state=\"{state}\"", StringComparison.Ordinal)
                && l[(l.LastIndexOf(' ') + 1)..] == value);
            return new[] { "Server 1", "Server 2", "Server 3" }.All(r => Has(r, "healthy", "1") && Has(r, "dead", "0") && Has(r, "failed", "0"));
        }, TimeSpan.FromSeconds(30), "lb_replica_health shows every replica healthy");

        using var dashboard = await http.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("<html", await dashboard.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        // The dashboard's grain-state view calls the RingGrain's GetState().
        var state = JsonDocument.Parse(await http.GetStringAsync(
            "/dashboard/GrainState?grainId=default&grainType=Orleans.LoadBalancer.Grains.Ring.RingGrain")).RootElement.GetString()!;
        using var ring = JsonDocument.Parse(state);
        var shown = ring.RootElement.GetProperty("GetState");
        Assert.Equal("slots", shown.GetProperty("Algorithm").GetString());
        Assert.Contains("Server 1", shown.GetProperty("Replicas").EnumerateArray().Select(r => r.GetProperty("Name").GetString()));
    }

    [Fact]
    public async Task The_ring_view_draws_one_colour_per_replica_and_changes_after_add()
    {
        var chromium = ExternalTool.Require("chromium", "/usr/bin/chromium", "chromium-browser");
        var gateway = fixture.Cluster.Gateway;
        var artifacts = Directory.CreateDirectory(Path.Combine(RepoPaths.Root, "TestResults", "artifacts")).FullName;

        var before = await ScreenshotAsync(chromium, gateway, Path.Combine(artifacts, "ring-view-3.png"));
        var coloursBefore = Palette.Select(before.Count).ToArray();
        output.WriteLine("pixels per colour with 3 replicas: " + string.Join(", ", coloursBefore));
        Assert.All(coloursBefore.Take(3), c => Assert.True(c > 500, "each replica has an arc"));
        Assert.All(coloursBefore.Skip(3), c => Assert.Equal(0, c));

        using (var added = await gateway.AddAsync("""{"n": 1, "hostnames": ["V4"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }

        try
        {
            var after = await ScreenshotAsync(chromium, gateway, Path.Combine(artifacts, "ring-view-4.png"));
            var coloursAfter = Palette.Select(after.Count).ToArray();
            output.WriteLine("pixels per colour with 4 replicas: " + string.Join(", ", coloursAfter));
            Assert.All(coloursAfter.Take(4), c => Assert.True(c > 500, "each replica has an arc"));
            Assert.True(coloursAfter[0] < coloursBefore[0], "the old replicas gave up part of their arcs");
        }
        finally
        {
            using var removed = await gateway.RemoveAsync("""{"n": 1, "hostnames": ["V4"]}""");
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }
    }

    private static async Task<PngImage> ScreenshotAsync(string chromium, GatewayEndpoint gateway, string path)
    {
        File.Delete(path);
        var profile = Directory.CreateTempSubdirectory("lb-chromium-");
        var start = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--hide-scrollbars", $"--user-data-dir={profile.FullName}",
            "--window-size=900,520", "--virtual-time-budget=4000", $"--screenshot={path}", new Uri(gateway.Address, "/ring/view").ToString(),
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        profile.Delete(recursive: true);
        Assert.True(File.Exists(path), "chromium wrote no screenshot: " + await stderr);
        return PngImage.Load(path);
    }

    private static async Task<double> QueryScalarAsync(HttpClient http, string query) =>
        (await QueryVectorAsync(http, query)).Values.DefaultIfEmpty(0).Sum();

    private static async Task<Dictionary<string, double>> QueryVectorAsync(HttpClient http, string query)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync("/api/v1/query?query=" + Uri.EscapeDataString(query)));
        return document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray().ToDictionary(
            r => r.GetProperty("metric").TryGetProperty("replica", out var replica) ? replica.GetString()! : "",
            r => double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture));
    }
}
