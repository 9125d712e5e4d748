using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Hosting;
using Orleans.LoadBalancer.Silo.Replicas;
using Orleans.LoadBalancer.Tests.EndToEnd;
using Orleans.LoadBalancer.Tests.Infrastructure;

namespace Orleans.LoadBalancer.Tests.Replicas;

/// <summary>The local-process runtime with real BackendServer processes.</summary>
public sealed class LocalProcessReplicaRuntimeTests : IDisposable
{
    private readonly string _clusterId = "lbtest-" + Guid.NewGuid().ToString("N")[..8];
    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("lb-registry-");

    public void Dispose() => _state.Delete(recursive: true);

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
        Assert.Empty(ClusterInspection.ReplicaProcesses(_clusterId));
    }
}
