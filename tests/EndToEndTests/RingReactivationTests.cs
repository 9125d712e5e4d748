using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Orleans.Runtime;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>The gateways route on their snapshot while the RingGrain is deactivated and comes back.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RingReactivationTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Gateways_keep_routing_while_the_RingGrain_is_reactivated()
    {
        var cluster = fixture.Cluster;
        using var host = Host.CreateDefaultBuilder()
            .UseOrleansClient(c => c.UseLocalhostClustering(cluster.GatewayPort, cluster.ServiceId, cluster.ClusterId))
            .Build();
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IClusterClient>();
        var ring = client.GetGrain<IRingGrain>(RingKeys.Default);
        var before = await ring.GetSnapshot();
        var activations = Count(cluster.Silo.Output, "Ring activated at version");

        using var load = new CancellationTokenSource(TimeSpan.FromSeconds(4));
        var failures = 0;
        var requests = 0;
        var workers = Enumerable.Range(0, 16).Select(async w =>
        {
            var i = 0;
            while (!load.IsCancellationRequested)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/home");
                request.Headers.Add("X-Request-Id", $"{w}-{i++}");
                using var response = await cluster.Gateways[w % 2].Http.SendAsync(request);
                Interlocked.Increment(ref requests);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }).ToList();

        await Task.Delay(500);
        await ring.AsReference<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        await Task.WhenAll(workers);

        Assert.Equal(0, failures);
        Assert.True(requests > 100, $"only {requests} requests were made");
        var after = await ring.GetSnapshot();
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(before.Replicas, after.Replicas);
        for (var i = 0; i < 1000; i++)
        {
            var hash = before.Hash($"key-{i}");
            Assert.Equal(before.Route(hash), after.Route(hash));
        }

        await Eventually.TrueAsync(
            () => Task.FromResult(Count(cluster.Silo.Output, "Ring activated at version") > activations),
            TimeSpan.FromSeconds(30),
            "the RingGrain was deactivated and activated again");

        // Changes work again on the reactivated grain.
        using (var added = await cluster.Gateway.AddAsync("""{"n": 1, "hostnames": ["R1"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }

        using (var removed = await cluster.Gateway.RemoveAsync("""{"n": 1, "hostnames": ["R1"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        await host.StopAsync();
    }

    private static int Count(string text, string what)
    {
        var count = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
