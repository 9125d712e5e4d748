using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Silo.Replicas;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests.Silo.Replicas;

/// <summary>The Docker runtime against the real engine: containers on a network of the test's own, published on loopback.</summary>
public sealed class DockerReplicaRuntimeTests : IAsyncLifetime
{
    private readonly string _clusterId = DockerEngine.NewClusterId();
    private readonly List<string> _imageTags = [];

    private string Network => _clusterId + "-net";

    public Task InitializeAsync() => DockerEngine.RequireAsync();

    public Task DisposeAsync() => DockerEngine.CleanUpAsync(_clusterId, Network, [.. _imageTags]);

    private DockerReplicaRuntime Runtime(string image = DockerEngine.Image) => new(
        Options.Create(new DockerReplicaOptions { ClusterId = _clusterId, Network = Network, Image = image }),
        NullLogger<DockerReplicaRuntime>.Instance);

    [Fact]
    public async Task A_started_replica_serves_on_loopback_is_listed_and_is_gone_after_stop()
    {
        using var runtime = Runtime();

        var instance = await runtime.StartAsync("Server 1", 7, CancellationToken.None);

        Assert.StartsWith("http://127.0.0.1:", instance.Address);
        using var probe = new HeartbeatProbe();
        Assert.True(await probe.WaitAliveAsync(instance.Address, "/heartbeat", TimeSpan.FromSeconds(60), CancellationToken.None));
        using var http = new HttpClient();
        Assert.Equal("""{"message": "Hello from Server: Server 1", "status": "successful"}""", await http.GetStringAsync(instance.Address + "/home"));
        Assert.Null(await runtime.DescribeExitAsync(instance, CancellationToken.None));

        var listed = Assert.Single(await runtime.ListAsync(CancellationToken.None));
        Assert.Equal(("Server 1", instance.Address, instance.RuntimeId, 7L), (listed.Name, listed.Address, listed.RuntimeId, listed.Ordinal));
        var container = Assert.Single(await DockerEngine.ContainersAsync(_clusterId));
        var name = $"orleans-lb-{_clusterId}-server-1";
        Assert.Equal("/" + name, container.Names.Single());

        // Reachable by its name on the network, and it knows itself by it.
        using var docker = DockerEngine.Connect();
        var inspected = await docker.Containers.InspectContainerAsync(instance.RuntimeId);
        Assert.Equal(name, inspected.Config.Hostname);
        Assert.Contains(name, inspected.NetworkSettings.Networks[Network].Aliases);

        await runtime.StopAsync(instance, CancellationToken.None);

        Assert.Empty(await runtime.ListAsync(CancellationToken.None));
        Assert.Empty(await DockerEngine.ContainersAsync(_clusterId));
    }

    [Fact]
    public async Task An_image_that_does_not_exist_fails_clearly_and_leaves_nothing_behind()
    {
        using var runtime = Runtime("orleans-lb/no-such-image:missing");

        var error = await Assert.ThrowsAsync<ReplicaStartException>(() => runtime.StartAsync("bad", 1, CancellationToken.None));

        Assert.Contains("Could not start replica 'bad' from image 'orleans-lb/no-such-image:missing'", error.Message);
        Assert.Empty(await DockerEngine.ContainersAsync(_clusterId));
    }

    [Fact]
    public async Task A_container_that_exits_right_after_it_starts_reports_its_exit_code_and_output()
    {
        var image = $"orleans-lb/backend:{_clusterId}-exits";
        _imageTags.Add(image);
        await DockerEngine.BuildImageAsync(image, $"FROM {DockerEngine.Image}\nENTRYPOINT [\"dotnet\", \"missing.dll\"]\n");
        using var runtime = Runtime(image);

        // Either the start sees it dead already, or the runtime says so while the manager waits for its heartbeat.
        string? exit;
        try
        {
            var instance = await runtime.StartAsync("crasher", 1, CancellationToken.None);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while ((exit = await runtime.DescribeExitAsync(instance, CancellationToken.None)) is null && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            await runtime.StopAsync(instance, CancellationToken.None);
        }
        catch (ReplicaStartException ex)
        {
            exit = ex.Message;
            Assert.Empty(await DockerEngine.ContainersAsync(_clusterId));
        }

        Assert.NotNull(exit);
        Assert.Matches("Replica 'crasher' exited with code [1-9][0-9]*", exit);
        Assert.Contains("missing.dll", exit);
    }

    [Fact]
    public async Task A_name_clash_fails_clearly_and_keeps_the_first_container()
    {
        using var runtime = Runtime();
        var first = await runtime.StartAsync("twin", 1, CancellationToken.None);

        var error = await Assert.ThrowsAsync<ReplicaStartException>(() => runtime.StartAsync("twin", 1, CancellationToken.None));

        Assert.Contains("Could not start replica 'twin'", error.Message);
        var container = Assert.Single(await DockerEngine.ContainersAsync(_clusterId));
        Assert.Equal(first.RuntimeId, container.ID);
    }

    [Fact]
    public void Names_that_would_share_a_container_or_DNS_name_have_the_same_key()
    {
        using var runtime = Runtime();

        Assert.Equal(runtime.NameKey("Server 1"), runtime.NameKey("Server-1"));
        Assert.Equal(runtime.NameKey("Server-1"), runtime.NameKey("server-1"));
        // '_' and '.' have no place in a DNS label: they become '-' too.
        Assert.Equal(runtime.NameKey("Server 1"), runtime.NameKey("Server_1"));
        Assert.Equal(runtime.NameKey("api.v2"), runtime.NameKey("API v2"));
        Assert.NotEqual(runtime.NameKey("Server 1"), runtime.NameKey("Server 2"));
        // Non-ASCII letters drop out of the label: the manager refuses the second of these as a clash.
        Assert.Equal(runtime.NameKey("Zoë"), runtime.NameKey("Zoé"));
    }

    [Fact]
    public async Task A_network_removed_behind_the_runtimes_back_is_created_again()
    {
        using var runtime = Runtime();
        await runtime.StopAsync(await runtime.StartAsync("before", 1, CancellationToken.None), CancellationToken.None);
        using var docker = DockerEngine.Connect();
        await docker.Networks.DeleteNetworkAsync(Network);

        var after = await runtime.StartAsync("after", 1, CancellationToken.None);

        var inspected = await docker.Containers.InspectContainerAsync(after.RuntimeId);
        Assert.True(inspected.State.Running);
        Assert.Contains(Network, inspected.NetworkSettings.Networks.Keys);
    }

    [Fact]
    public async Task A_start_cancelled_at_any_point_leaves_no_container_behind()
    {
        using var runtime = Runtime();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await runtime.StopAsync(await runtime.StartAsync("whole", 1, CancellationToken.None), CancellationToken.None);
        var whole = clock.Elapsed;
        var cancelled = 0;

        // Cancelled before, during and after the create call, during the start and during the inspection: delays from
        // zero to a little more than one whole start takes on this machine now.
        for (var step = 0; step <= 8; step++)
        {
            var delay = whole * step / 7;
            using var cts = new CancellationTokenSource(delay);
            try
            {
                var instance = await runtime.StartAsync($"c{step}", 1, cts.Token);
                await runtime.StopAsync(instance, CancellationToken.None);
            }
            catch (OperationCanceledException)
            {
                cancelled++;
            }

            Assert.True(
                (await DockerEngine.ContainersAsync(_clusterId)).Count == 0,
                $"a container is left after a start cancelled at {delay.TotalMilliseconds:0} ms (a whole start and stop took {whole.TotalMilliseconds:0} ms)");
        }

        Assert.True(cancelled > 0, "no start was cancelled");
    }
}
