using System.Net;
using Orleans.LoadBalancer.Tests.Infrastructure;

namespace Orleans.LoadBalancer.Tests.EndToEnd;

/// <summary>
/// The embedded default keeps the ring in memory: a silo that crashes and starts again makes a new ring (version 1
/// again) with new replicas. A gateway that kept running must follow the new ring, not keep the old one because its
/// version is not higher.
/// </summary>
public sealed class SiloRestartTests : IAsyncLifetime
{
    private LoadBalancerCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await LoadBalancerCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_running_gateway_follows_the_ring_of_a_restarted_silo()
    {
        var gateway = _cluster.Gateway;
        var (ringBefore, versionBefore) = await RingAsync();
        Assert.Equal(1, versionBefore);
        var replicaProcesses = ClusterInspection.ReplicaProcesses(_cluster.ClusterId).Keys.ToList();
        Assert.NotEmpty(replicaProcesses);

        await _cluster.RestartSiloAsync();

        // The killed silo's replicas follow it (no orphans), though nothing stopped them.
        await Eventually.TrueAsync(
            () => Task.FromResult(!ClusterInspection.ReplicaProcesses(_cluster.ClusterId).Keys.Any(replicaProcesses.Contains)), TimeSpan.FromSeconds(10),
            "the replicas of the killed silo exit");

        // The old replicas died with the old silo; the new one starts three new replicas and a new ring.
        // (An empty version 0 comes first: the new RingGrain exists before its initial replicas answer.)
        await Eventually.TrueAsync(async () => await RingAsync() is var ring && ring.Ring != ringBefore && ring.Version == 1,
            TimeSpan.FromSeconds(60), "the gateway routes with the restarted silo's ring");
        Assert.Equal(["Server 1", "Server 2", "Server 3"], await gateway.GetReplicaNamesAsync());
        for (var i = 0; i < 200; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/home");
            request.Headers.Add("X-Request-Id", $"after-restart-{i}");
            using var response = await gateway.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    private async Task<(string Ring, long Version)> RingAsync()
    {
        using var ring = await _cluster.Gateway.GetJsonAsync("/ring");
        var message = ring.RootElement.GetProperty("message");
        return (message.GetProperty("ring").GetString()!, message.GetProperty("version").GetInt64());
    }
}
