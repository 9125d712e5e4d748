using System.Globalization;
using System.Net;
using System.Text.Json;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// <c>/healthz</c> (alive) and <c>/readyz</c> (ready) on real gateway and silo processes, as an orchestrator probes
/// them: a gateway started before its cluster is alive but not ready, and becomes ready when the silo is up.
/// </summary>
public sealed class HealthEndpointTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_gateway_is_alive_at_once_ready_with_its_cluster_and_not_ready_without_it()
    {
        var siloPort = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        var cluster = new Dictionary<string, string>
        {
            ["Cluster__ClusterId"] = "health-" + Guid.NewGuid().ToString("N")[..8],
            ["Cluster__ServiceId"] = "health-service-" + Guid.NewGuid().ToString("N")[..8],
            ["Cluster__SiloPort"] = siloPort,
            ["Cluster__PrimarySiloPort"] = siloPort,
            ["Cluster__GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
        };
        var gatewayUrl = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var siloUrl = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        await using var gateway = ManagedProcess.StartDotnet("gateway", RepoPaths.Gateway, new Dictionary<string, string>(cluster) { ["Urls"] = gatewayUrl.ToString() });
        ManagedProcess? silo = null;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            // No silo: the process answers, and says it is not ready, for as long as the cluster is missing.
            var alive = await WaitForAsync(http, new Uri(gatewayUrl, "/healthz"), HttpStatusCode.OK, gateway);
            Assert.Equal("healthy", alive.GetProperty("status").GetString());
            var notReady = await GetAsync(http, new Uri(gatewayUrl, "/readyz"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.Status);
            Assert.Equal("unhealthy", notReady.Body.GetProperty("status").GetString());
            Assert.Contains("No ring snapshot", notReady.Body.GetProperty("checks").GetProperty("ready").GetProperty("description").GetString(), StringComparison.Ordinal);
            // Nothing else is served without a ring: not the admin API, not a proxied path.
            using (var rep = await http.GetAsync(new Uri(gatewayUrl, "/rep")))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, rep.StatusCode);
            }

            using (var home = await http.GetAsync(new Uri(gatewayUrl, "/home")))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, home.StatusCode);
            }

            silo = ManagedProcess.StartDotnet("silo", RepoPaths.Silo, new Dictionary<string, string>(cluster) { ["Urls"] = siloUrl.ToString() });

            var siloReady = await WaitForAsync(http, new Uri(siloUrl, "/readyz"), HttpStatusCode.OK, silo);
            Assert.Equal("healthy", siloReady.GetProperty("checks").GetProperty("ready").GetProperty("status").GetString());
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, new Uri(siloUrl, "/healthz"))).Status);

            var ready = await WaitForAsync(http, new Uri(gatewayUrl, "/readyz"), HttpStatusCode.OK, gateway);
            Assert.Contains("cluster gateway", ready.GetProperty("checks").GetProperty("ready").GetProperty("description").GetString(), StringComparison.Ordinal);
            using (var rep = await http.GetAsync(new Uri(gatewayUrl, "/rep")))
            {
                Assert.Equal(HttpStatusCode.OK, rep.StatusCode);
            }

            // The cluster goes away: the gateway stays alive but is no longer ready.
            silo.Kill();
            await WaitForAsync(http, new Uri(gatewayUrl, "/readyz"), HttpStatusCode.ServiceUnavailable, gateway);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, new Uri(gatewayUrl, "/healthz"))).Status);
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{ex.Message}\n--- gateway ---\n{gateway.Output}\n--- silo ---\n{silo?.Output}", ex);
        }
        finally
        {
            if (silo is not null)
            {
                await silo.DisposeAsync();
            }

            // The killed silo's replicas run detached: they outlive it by design.
            ClusterProcesses.EndAll(cluster["Cluster__ClusterId"]);
        }
    }

    /// <summary>Polls <paramref name="url"/> until it answers <paramref name="status"/>; returns its JSON body.</summary>
    private static async Task<JsonElement> WaitForAsync(HttpClient http, Uri url, HttpStatusCode status, ManagedProcess process)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            Assert.False(process.HasExited, $"{process.Name} exited:\n{process.Output}");
            try
            {
                var (answered, body) = await GetAsync(http, url);
                if (answered == status)
                {
                    return body;
                }
            }
            catch (HttpRequestException)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, $"{url} did not answer {(int)status} within {StartTimeout}:\n{process.Output}");
            await Task.Delay(100);
        }
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(HttpClient http, Uri url)
    {
        using var response = await http.GetAsync(url);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, document.RootElement.Clone());
    }
}
