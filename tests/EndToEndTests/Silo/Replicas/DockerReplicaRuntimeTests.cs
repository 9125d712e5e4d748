using System.Formats.Tar;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;
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

    private DockerReplicaRuntime Runtime(string image = DockerEngine.Image) => Runtime(new DockerReplicaOptions { Image = image });

    private DockerReplicaRuntime Runtime(DockerReplicaOptions options, ILogger<DockerReplicaRuntime>? logger = null)
    {
        options.ClusterId = _clusterId;
        options.Network = Network;
        return new(Options.Create(options), logger ?? NullLogger<DockerReplicaRuntime>.Instance);
    }

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
        Assert.Equal("/" + name, Assert.Single(container.Names ?? []));

        // Reachable by its name on the network, and it knows itself by it.
        using var docker = DockerEngine.Connect();
        var inspected = await docker.Containers.InspectContainerAsync(instance.RuntimeId);
        Assert.Equal(name, inspected.Config?.Hostname);
        Assert.Contains(name, inspected.NetworkSettings?.Networks?[Network].Aliases ?? []);

        await runtime.StopAsync(instance, CancellationToken.None);

        Assert.Empty(await runtime.ListAsync(CancellationToken.None));
        Assert.Empty(await DockerEngine.ContainersAsync(_clusterId));
    }

    [Fact]
    public async Task An_image_that_does_not_exist_fails_clearly_and_leaves_nothing_behind()
    {
        // The pull it leads to goes to a registry on loopback that nothing answers: the tests reach no other network.
        using var runtime = Runtime("127.0.0.1:1/orleans-lb/no-such-image:missing");

        var error = await Assert.ThrowsAsync<ReplicaStartException>(() => runtime.StartAsync("bad", 1, CancellationToken.None));

        Assert.Contains("Could not start replica 'bad' from image '127.0.0.1:1/orleans-lb/no-such-image:missing'", error.Message);
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
        Assert.True(inspected.State?.Running);
        Assert.Contains(Network, inspected.NetworkSettings?.Networks?.Keys ?? []);
    }

    [Fact]
    public async Task Runtimes_that_create_the_network_at_the_same_moment_leave_one_network_of_its_name()
    {
        var runtimes = Enumerable.Range(0, 4).Select(_ => Runtime()).ToList();
        try
        {
            await Task.WhenAll(runtimes.Select(r => r.EnsureNetworkAsync(CancellationToken.None)));
        }
        finally
        {
            runtimes.ForEach(r => r.Dispose());
        }

        using var docker = DockerEngine.Connect();
        Assert.Single(await docker.Networks.ListNetworksAsync(new NetworksListParameters()), n => n.Name == Network);
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

    [Fact]
    public async Task A_container_gets_the_configured_environment_limits_and_volumes_from_an_image_present_without_a_pull()
    {
        var folder = Directory.CreateTempSubdirectory("orleans-lb-volume-");
        try
        {
            // Readable by the image's non-root user, not only by the engine.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(folder.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }

            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "greeting.txt"), "hello from the host");
            var log = new PullLog();
            using var runtime = Runtime(new DockerReplicaOptions
            {
                Environment = new() { ["GREETING"] = "hello", ["Logging__LogLevel__Default"] = "Warning" },
                Volumes = [$"{folder.FullName}:/data:ro"],
                Cpus = 0.5,
                Memory = "256m",
            }, log);

            var instance = await runtime.StartAsync("configured", 1, CancellationToken.None);

            using var docker = DockerEngine.Connect();
            var inspected = await docker.Containers.InspectContainerAsync(instance.RuntimeId);
            var environment = inspected.Config?.Env ?? [];
            Assert.Contains("GREETING=hello", environment);
            Assert.Contains("Logging__LogLevel__Default=Warning", environment);
            Assert.Contains("SERVER_ID=configured", environment);
            Assert.Equal(500_000_000L, inspected.HostConfig?.NanoCPUs);
            Assert.Equal(256L * 1024 * 1024, inspected.HostConfig?.Memory);
            var mount = Assert.Single(inspected.Mounts ?? []);
            Assert.Equal((folder.FullName, "/data", false), (mount.Source, mount.Destination, mount.RW));
            Assert.Equal("hello from the host", await ReadFileAsync(docker, instance.RuntimeId, "/data/greeting.txt"));
            Assert.Equal(0, log.Pulls);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Never_with_a_missing_image_fails_naming_the_image_and_the_policy_and_leaves_nothing_behind()
    {
        using var runtime = Runtime(new DockerReplicaOptions { Image = "orleans-lb/no-such-image:never", PullPolicy = DockerPullPolicy.Never });

        var error = await Assert.ThrowsAsync<ReplicaStartException>(() => runtime.StartAsync("never", 1, CancellationToken.None));

        Assert.Equal(
            "Could not start replica 'never' from image 'orleans-lb/no-such-image:never': the image is not on the Docker engine, and Replicas:Docker:PullPolicy is Never",
            error.Message);
        Assert.Empty(await DockerEngine.ContainersAsync(_clusterId));
    }

    [Fact]
    public async Task A_pull_that_fails_is_reported_by_image_once_for_starts_that_need_it_together()
    {
        // No registry answers there: the pull fails at once, as one from an unreachable registry would.
        const string image = "127.0.0.1:1/orleans-lb/unreachable:1";
        var log = new PullLog();
        using var runtime = Runtime(new DockerReplicaOptions { Image = image }, log);

        var starts = Enumerable.Range(1, 3).Select(i => runtime.StartAsync($"pull-{i}", i, CancellationToken.None)).ToList();

        foreach (var start in starts)
        {
            var error = await Assert.ThrowsAsync<ReplicaStartException>(() => start);
            Assert.StartsWith($"Could not start replica 'pull-", error.Message);
            Assert.Contains($"from image '{image}': pulling the image failed (Replicas:Docker:PullPolicy is IfNotPresent): ", error.Message);
        }

        Assert.Equal(1, log.Pulls);
        Assert.Empty(await DockerEngine.ContainersAsync(_clusterId));
    }

    /// <summary>A file as the container sees it (the engine's archive of that path, mounts included).</summary>
    private static async Task<string> ReadFileAsync(Docker.DotNet.DockerClient docker, string containerId, string path)
    {
        var archive = await docker.Containers.GetArchiveFromContainerAsync(containerId, new ContainerPathStatParameters { Path = path }, statOnly: false);
        using var stream = archive.Stream ?? throw new InvalidOperationException($"{path}: no archive");
        using var tar = new TarReader(stream);
        var entry = await tar.GetNextEntryAsync() ?? throw new InvalidOperationException($"{path}: empty archive");
        using var reader = new StreamReader(entry.DataStream!);
        return await reader.ReadToEndAsync();
    }

    /// <summary>Counts the runtime's "Pulling image" lines.</summary>
    private sealed class PullLog : ILogger<DockerReplicaRuntime>
    {
        private int _pulls;

        public int Pulls => Volatile.Read(ref _pulls);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (formatter(state, exception).StartsWith("Pulling image ", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _pulls);
            }
        }
    }
}
