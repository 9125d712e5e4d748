using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>With an admin key, the silo's dashboard asks for it: a bearer token, or HTTP Basic with the key as password.</summary>
public sealed class DashboardAuthorizationTests : IAsyncLifetime
{
    private const string Key = "dashboard-key-7f3a";

    private LoadBalancerCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await LoadBalancerCluster.StartAsync(
        siloSettings: new Dictionary<string, string> { ["Admin__ApiKey"] = Key },
        gatewaySettings: new Dictionary<string, string> { ["Admin__ApiKey"] = Key });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task The_dashboard_needs_the_admin_key_and_metrics_stay_open()
    {
        using var http = new HttpClient { BaseAddress = _cluster.SiloUrl };
        const string grainState = "/dashboard/GrainState?grainId=default&grainType=Orleans.LoadBalancer.Grains.Ring.RingGrain";

        foreach (var authorization in new AuthenticationHeaderValue?[]
        {
            null,
            new("Bearer", "wrong"),
            new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:wrong"))),
        })
        {
            foreach (var path in new[] { "/dashboard/", grainState })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = authorization } };
                using var refused = await http.SendAsync(request);
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
                Assert.Contains("Basic", refused.Headers.WwwAuthenticate.ToString());
                Assert.Contains("<Error> Missing or wrong API key", await refused.Content.ReadAsStringAsync());
            }
        }

        foreach (var authorization in new AuthenticationHeaderValue[]
        {
            new("Bearer", Key),
            new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("anyone:" + Key))),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, grainState) { Headers = { Authorization = authorization } };
            using var allowed = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Contains("Server 1", await allowed.Content.ReadAsStringAsync());
        }

        // Prometheus scrapes without the key.
        Assert.Contains("orleans_", await http.GetStringAsync("/metrics"));
    }
}
