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

    [Fact]
    public async Task A_program_without_admin_identity_gets_no_warm_spares_and_its_replicas_start_cold_and_serve()
    {
        // Someone else's program, as an executable: a script that execs BackendServer without POST /admin/identity.
        var program = Path.Combine(_state.FullName, "own-program.sh");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        await File.WriteAllTextAsync(program,
            $"#!/bin/sh\nexport BACKEND_TEST_SWITCHES=1 BACKEND_NO_IDENTITY=1\nexec '{dotnet}' '{RepoPaths.BackendServer}' \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        using var runtime = new LocalProcessReplicaRuntime(
            Options.Create(new ProcessReplicaOptions { Command = program, StateDirectory = _state.FullName, WarmSpares = 1 }),
            Options.Create(new ClusterSettings { ClusterId = _clusterId }),
            NullLogger<LocalProcessReplicaRuntime>.Instance);

        // The first start is cold and starts a spare behind it; the second is offered that spare, which answers 404.
        var first = await runtime.StartAsync("own-1", 1, CancellationToken.None);
        await Eventually.TrueAsync(() => Task.FromResult(runtime.SparesWaiting == 1), TimeSpan.FromSeconds(30), "a warm spare is waiting");
        var second = await runtime.StartAsync("own-2", 2, CancellationToken.None);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        foreach (var replica in new[] { first, second })
        {
            await Eventually.TrueAsync(
                async () => await AnswersAsync(http, replica.Address) == replica.Name, TimeSpan.FromSeconds(30), $"{replica.Name} serves under its name");
        }

        // The spare was stopped and no other is started: the two replicas are all that runs.
        await Eventually.TrueAsync(() => Task.FromResult(ClusterInspection.RuntimeProcesses(_clusterId).Count == 2), TimeSpan.FromSeconds(15), "only the replicas run");
        await Task.Delay(1000);
        Assert.Equal(2, ClusterInspection.RuntimeProcesses(_clusterId).Count);
        Assert.Equal(0, runtime.SparesWaiting);
    }

    private static async Task<string?> AnswersAsync(HttpClient http, string address)
    {
        try
        {
            return ControlPlaneProbe.AnsweredBy(await http.GetStringAsync(address + "/home"));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private LocalProcessReplicaRuntime Runtime(bool keepOnStop) => new(
        Options.Create(new ProcessReplicaOptions { Command = RepoPaths.BackendServer, StateDirectory = _state.FullName, WarmSpares = 0, KeepOnStop = keepOnStop }),
        Options.Create(new ClusterSettings { ClusterId = _clusterId }),
        NullLogger<LocalProcessReplicaRuntime>.Instance);
}
