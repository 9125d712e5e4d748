using System.Net;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>Random names, random removal, and an empty ring, on a cluster of its own.</summary>
public sealed class ReplicaSetLifecycleTests : IAsyncLifetime
{
    private LoadBalancerCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await LoadBalancerCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Shortfalls_are_named_and_removed_at_random_and_an_empty_ring_answers_503()
    {
        var gateway = _cluster.Gateway;

        using (var added = await gateway.AddAsync("""{"n": 3, "hostnames": ["S10"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }

        var replicas = await gateway.GetReplicaNamesAsync();
        Assert.Equal(["Server 1", "Server 2", "Server 3", "S10"], replicas.Take(4));
        var random = replicas.Skip(4).ToList();
        Assert.Equal(2, random.Count);
        Assert.All(random, name => Assert.Matches("^replica-[0-9a-f]{6}$", name));
        var served = await gateway.RouteAllAsync(Enumerable.Range(0, 200).Select(i => $"k{i}"));
        Assert.Equal(6, served.Values.Distinct().Count());

        using (var removed = await gateway.RemoveAsync($$"""{"n": 3, "hostnames": ["{{random[0]}}", "{{random[1]}}"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        var after = await gateway.GetReplicaNamesAsync();
        Assert.Equal(3, after.Count);
        Assert.DoesNotContain(random[0], after);
        Assert.DoesNotContain(random[1], after);
        Assert.Equal(after.Count, (await gateway.RouteAllAsync(Enumerable.Range(0, 200).Select(i => $"k{i}"))).Values.Distinct().Count());

        using (var emptied = await gateway.RemoveAsync("""{"n": 3}"""))
        {
            Assert.Equal(HttpStatusCode.OK, emptied.StatusCode);
            Assert.Equal("""{"message": {"N": 0, "replicas": []}, "status": "successful"}""", await emptied.Content.ReadAsStringAsync());
        }

        using (var none = await gateway.Http.GetAsync("/home"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, none.StatusCode);
            Assert.Equal("""{"message": "<Error> No replicas available", "status": "failure"}""", await none.Content.ReadAsStringAsync());
        }

        using (var again = await gateway.AddAsync("""{"n": 1, "hostnames": ["back"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        Assert.Equal("back", await gateway.RouteAsync("any"));
    }
}
