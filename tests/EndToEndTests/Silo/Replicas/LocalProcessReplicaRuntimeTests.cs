using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Hosting;
using Orleans.LoadBalancer.Silo.Replicas;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests.Silo.Replicas;

/// <summary>The local-process runtime with real BackendServer processes.</summary>
public sealed class LocalProcessReplicaRuntimeTests : IDisposable
{
    private readonly string _clusterId = "lbtest-" + Guid.NewGuid().ToString("N")[..8];
    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("lb-registry-");

    public void Dispose()
    {
        ClusterProcesses.EndAll(_clusterId);
        _state.Delete(recursive: true);
    }

    [Fact]
    public async Task A_replica_that_cannot_be_registered_is_killed_and_the_start_fails()
    {
        using var runtime = new LocalProcessReplicaRuntime(
            Options.Create(new ProcessReplicaOptions { Command = RepoPaths.BackendServer, StateDirectory = _state.FullName, WarmSpares = 0 }),
            Options.Create(new ClusterSettings { ClusterId = _clusterId }),
            NullLogger<LocalProcessReplicaRuntime>.Instance);
        Directory.Delete(Path.Combine(_state.FullName, _clusterId));

        var error = await Assert.ThrowsAsync<ReplicaStartException>(() => runtime.StartAsync("unregistered", 1, CancellationToken.None));

        Assert.Contains("Could not start replica 'unregistered': could not register it", error.Message);
        Assert.Empty(ClusterInspection.RuntimeProcesses(_clusterId));
    }

    [Fact]
    public async Task Detached_replicas_outlive_a_runtime_that_keeps_them_and_a_runtime_that_adopted_them_stops_them()
    {
        var shared = Runtime(keepOnStop: true);
        var started = await shared.StartAsync("kept", 1, CancellationToken.None);
        shared.Dispose();
        // Read from /proc while the replica may still be between setsid and its program: its environment reads empty
        // mid-exec, so one read may see it and the next not; it must be seen, alone and by its name, within the bound.
        await Eventually.TrueAsync(
            () => Task.FromResult(ClusterInspection.ReplicaProcesses(_clusterId).Values.SequenceEqual(["kept"])),
            TimeSpan.FromSeconds(30),
            "the kept replica is seen running");

        // The next silo adopts it (it is listed with its address), and a normal stop of that silo stops it.
        var embedded = Runtime(keepOnStop: false);
        var listed = Assert.Single(await embedded.ListAsync(CancellationToken.None));
        Assert.Equal(started.Address, listed.Address);
        embedded.Dispose();
        await Eventually.TrueAsync(() => Task.FromResult(ClusterInspection.RuntimeProcesses(_clusterId).Count == 0), TimeSpan.FromSeconds(30), "the adopted replica is stopped");
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_state.FullName, _clusterId), "*.json"));
    }

    private LocalProcessReplicaRuntime Runtime(bool keepOnStop) => new(
        Options.Create(new ProcessReplicaOptions { Command = RepoPaths.BackendServer, StateDirectory = _state.FullName, WarmSpares = 0, KeepOnStop = keepOnStop }),
        Options.Create(new ClusterSettings { ClusterId = _clusterId }),
        NullLogger<LocalProcessReplicaRuntime>.Instance);
}
