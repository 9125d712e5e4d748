using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Silo.Replicas;
using Orleans.LoadBalancer.Tests.Infrastructure;

namespace Orleans.LoadBalancer.Tests.Replicas;

/// <summary>The Docker runtime against the real engine: containers on a network of the test's own, published on loopback.</summary>
public sealed class DockerReplicaRuntimeTests : IAsyncLifetime
{
    private readonly string _clusterId = "lbtest-" + Guid.NewGuid().ToString("N")[..8];
    private string Network => _clusterId + "-net";

    public Task InitializeAsync() => DockerEngine.RequireAsync();

    public Task DisposeAsync() => DockerEngine.CleanUpAsync(_clusterId, Network);

    private DockerReplicaRuntime Runtime(string image = DockerEngine.Image) => new(
        Options.Create(new DockerReplicaOptions { ClusterId = _clusterId, Network = Network, Image = image }),
        NullLogger<DockerReplicaRuntime>.Instance);

    [Fact]
    public async Task A_started_replica_serves_on_loopback_is_listed_and_is_gone_after_stop()
    {
        using var runtime = Runtime();

        var instance = await runtime.StartAsync("Server 1", CancellationToken.None);

        Assert.StartsWith("http://127.0.0.1:", instance.Address);
        using var probe = new HeartbeatProbe();
        Assert.True(await probe.WaitAliveAsync(instance.Address, "/heartbeat", TimeSpan.FromSeconds(20), CancellationToken.None));
        using var http = new HttpClient();
        Assert.Equal("""{"message": "Hello from Server: Server 1", "status": "successful"}""", await http.GetStringAsync(instance.Address + "/home"));

        var listed = Assert.Single(await runtime.ListAsync(CancellationToken.None));
        Assert.Equal(("Server 1", instance.Address, instance.RuntimeId), (listed.Name, listed.Address, listed.RuntimeId));
        var container = Assert.Single(await DockerEngine.ContainersAsync(_clusterId));
        Assert.Equal($"/orleans-lb-{_clusterId}-Server-1", container.Names.Single());

        await runtime.StopAsync(instance, CancellationToken.None);

        Assert.Empty(await runtime.ListAsync(CancellationToken.None));
        Assert.Empty(await DockerEngine.ContainersAsync(_clusterId));
    }

    [Fact]
    public async Task An_image_that_does_not_exist_fails_clearly_and_leaves_nothing_behind()
    {
        using var runtime = Runtime("orleans-lb/no-such-image:missing");

        var error = await Assert.ThrowsAsync<ReplicaStartException>(() => runtime.StartAsync("bad", CancellationToken.None));

        Assert.Contains("Could not start replica 'bad' from image 'orleans-lb/no-such-image:missing'", error.Message);
        Assert.Empty(await DockerEngine.ContainersAsync(_clusterId));
    }

    [Fact]
    public async Task A_name_clash_fails_clearly_and_keeps_the_first_container()
    {
        using var runtime = Runtime();
        var first = await runtime.StartAsync("twin", CancellationToken.None);

        var error = await Assert.ThrowsAsync<ReplicaStartException>(() => runtime.StartAsync("twin", CancellationToken.None));

        Assert.Contains("Could not start replica 'twin'", error.Message);
        var container = Assert.Single(await DockerEngine.ContainersAsync(_clusterId));
        Assert.Equal(first.RuntimeId, container.ID);
    }
}
