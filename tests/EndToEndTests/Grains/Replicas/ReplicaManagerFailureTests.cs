using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Grains.Ring;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Orleans.Runtime;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Orleans.LoadBalancer.EndToEndTests.Grains.Replicas;

/// <summary>
/// The ReplicaManagerGrain when something under it fails: the ring's storage refuses a write, a start is cancelled.
/// A rejected <c>/add</c> or <c>/rm</c> must change nothing: no ring change, no replica left running.
/// </summary>
public sealed class ReplicaManagerFailureTests : IClassFixture<ReplicaManagerFailureTests.Fixture>
{
    private readonly Fixture _fixture;

    public ReplicaManagerFailureTests(Fixture fixture)
    {
        _fixture = fixture;
        FlakyStorage.FailWrites = false;
        Volatile.Write(ref FlakyStorage.AmbiguousWrites, 0);
        FakeRuntime.Instance.BeforeStart = null;
    }

    private IReplicaManagerGrain Manager => _fixture.Cluster.Client.GetGrain<IReplicaManagerGrain>(RingKeys.Default);

    private IRingGrain Ring => _fixture.Cluster.Client.GetGrain<IRingGrain>(RingKeys.Default);

    [Fact]
    public async Task A_ring_write_that_fails_fails_the_add_and_stops_the_started_replicas()
    {
        var before = await Ring.GetState();
        var startsBefore = FakeRuntime.Instance.Starts;
        FlakyStorage.FailWrites = true;

        var result = await Manager.Add(2, ["w1", "w2"]);

        Assert.Equal(AdminError.RuntimeFailure, result.Error);
        Assert.Contains("Could not add the replicas to the ring", result.Message);
        Assert.Equal(startsBefore + 2, FakeRuntime.Instance.Starts);
        Assert.DoesNotContain(FakeRuntime.Instance.Running.Values, i => i.Name is "w1" or "w2");
        var after = await Ring.GetState();
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(before.Replicas.Select(r => r.Name), after.Replicas.Select(r => r.Name));

        FlakyStorage.FailWrites = false;
        var retried = await Manager.Add(2, ["w1", "w2"]);
        Assert.True(retried.Succeeded, retried.Message);
        Assert.Equal(2, FakeRuntime.Instance.Running.Values.Count(i => i.Name is "w1" or "w2"));
        Assert.True((await Manager.Remove(2, ["w1", "w2"])).Succeeded);
    }

    [Fact]
    public async Task A_ring_write_that_fails_fails_the_remove_and_keeps_the_replicas()
    {
        Assert.True((await Manager.Add(1, ["r1"])).Succeeded);
        var before = await Ring.GetState();
        FlakyStorage.FailWrites = true;

        var result = await Manager.Remove(1, ["r1"]);

        Assert.Equal(AdminError.RuntimeFailure, result.Error);
        Assert.Contains("r1", result.Replicas);
        Assert.Equal(before.Version, (await Ring.GetState()).Version);
        Assert.Single(FakeRuntime.Instance.Running.Values, i => i.Name == "r1");

        FlakyStorage.FailWrites = false;
        Assert.True((await Manager.Remove(1, ["r1"])).Succeeded);
        Assert.DoesNotContain("r1", (await Ring.GetState()).Replicas.Select(r => r.Name));

        // Out of the ring at once; the process stops once drained (no gateway here holds requests on it).
        await Eventually.TrueAsync(() => Task.FromResult(!FakeRuntime.Instance.Running.Values.Any(i => i.Name == "r1")), TimeSpan.FromSeconds(40), "r1 stops after its drain");
    }

    [Fact]
    public async Task A_cancelled_start_fails_the_add_and_stops_the_replicas_that_did_start()
    {
        var before = await Ring.GetState();
        FakeRuntime.Instance.BeforeStart = async name =>
        {
            if (name == "c2")
            {
                // Let c1 start first, so that there is something to stop.
                await Task.Delay(300);
                throw new OperationCanceledException("the start was cancelled");
            }
        };

        var result = await Manager.Add(2, ["c1", "c2"]);

        Assert.Equal(AdminError.RuntimeFailure, result.Error);
        Assert.Contains("cancelled", result.Message);
        Assert.DoesNotContain(FakeRuntime.Instance.Running.Values, i => i.Name is "c1" or "c2");
        Assert.Equal(before.Version, (await Ring.GetState()).Version);
    }

    [Fact]
    public async Task A_replica_that_dies_while_starting_fails_the_add_at_once_saying_why()
    {
        var before = await Ring.GetState();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = await Manager.Add(1, ["dies-at-start"]);

        Assert.Equal(AdminError.RuntimeFailure, result.Error);
        Assert.Equal("Replica 'dies-at-start' exited with code 3 right after it started", result.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}, as long as the start timeout");
        Assert.DoesNotContain(FakeRuntime.Instance.Running.Values, i => i.Name == "dies-at-start");
        Assert.Equal(before.Version, (await Ring.GetState()).Version);
    }

    [Fact]
    public async Task A_name_the_runtime_cannot_tell_from_another_is_rejected()
    {
        Assert.True((await Manager.Add(1, ["K1"])).Succeeded);
        var before = await Ring.GetState();

        var existing = await Manager.Add(1, ["k1"]);
        var together = await Manager.Add(2, ["x1", "X1"]);

        Assert.Equal(AdminError.InvalidRequest, existing.Error);
        Assert.Equal("Hostname 'k1' clashes with replica 'K1': the runtime would name both 'k1'", existing.Message);
        Assert.Equal(AdminError.InvalidRequest, together.Error);
        Assert.Equal("Hostname 'X1' clashes with hostname 'x1': the runtime would name both 'x1'", together.Message);
        Assert.Equal(before.Version, (await Ring.GetState()).Version);
        Assert.True((await Manager.Remove(1, ["K1"])).Succeeded);
    }

    [Fact]
    public async Task An_add_whose_ring_write_reached_storage_before_failing_keeps_the_replica_in_the_ring()
    {
        try
        {
            Volatile.Write(ref FlakyStorage.AmbiguousWrites, 1);

            var result = await Manager.Add(1, ["amb1"]);

            Assert.Equal(0, Volatile.Read(ref FlakyStorage.AmbiguousWrites));
            Assert.True(FlakyStorage.StoredRing()?.Replicas.Exists(r => r.Name == "amb1"),
                "precondition: the ambiguous write should have stored a ring that names amb1");
            var problems = new List<string>();
            var state = await Ring.GetState();
            var snapshot = await Ring.GetSnapshot();
            if (!state.Replicas.Any(r => r.Name == "amb1") || !snapshot.Replicas.Any(r => r.Name == "amb1"))
            {
                problems.Add($"the stored ring names amb1 but the RingGrain does not publish it (version {snapshot.Version}: {string.Join(", ", snapshot.Replicas.Select(r => r.Name))})");
            }

            if (!FakeRuntime.Instance.Running.Values.Any(i => i.Name == "amb1"))
            {
                problems.Add("amb1's replica was stopped although the stored ring names it");
            }

            if (!result.Succeeded || !result.Replicas.Contains("amb1"))
            {
                problems.Add($"Add answered {result.Error}: {result.Message} (replicas {string.Join(", ", result.Replicas)}), though the change was stored");
            }

            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }
        finally
        {
            await ReloadRingAndRemoveAsync("amb1");
        }
    }

    [Fact]
    public async Task A_remove_whose_ring_write_reached_storage_before_failing_takes_the_replica_out()
    {
        try
        {
            Assert.True((await Manager.Add(1, ["amb2"])).Succeeded);
            Volatile.Write(ref FlakyStorage.AmbiguousWrites, 1);

            var result = await Manager.Remove(1, ["amb2"]);

            Assert.Equal(0, Volatile.Read(ref FlakyStorage.AmbiguousWrites));
            Assert.False(FlakyStorage.StoredRing()!.Replicas.Exists(r => r.Name == "amb2"),
                "precondition: the ambiguous write should have stored a ring without amb2");
            var problems = new List<string>();
            var state = await Ring.GetState();
            var snapshot = await Ring.GetSnapshot();
            if (state.Replicas.Any(r => r.Name == "amb2") || snapshot.Replicas.Any(r => r.Name == "amb2"))
            {
                problems.Add($"the stored ring no longer names amb2 but the RingGrain still publishes it (version {snapshot.Version}: {string.Join(", ", snapshot.Replicas.Select(r => r.Name))})");
            }

            if (!result.Succeeded || result.Replicas.Contains("amb2"))
            {
                problems.Add($"Remove answered {result.Error}: {result.Message} (replicas {string.Join(", ", result.Replicas)}), though the change was stored");
            }

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (FakeRuntime.Instance.Running.Values.Any(i => i.Name == "amb2") && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            if (FakeRuntime.Instance.Running.Values.Any(i => i.Name == "amb2"))
            {
                problems.Add("amb2's replica still runs 5 s after the stored ring dropped it");
            }

            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }
        finally
        {
            await ReloadRingAndRemoveAsync("amb2");
        }
    }

    /// <summary>
    /// Leaves the shared cluster consistent for the other tests whatever the outcome: the RingGrain re-reads the stored
    /// ring (its ETag may be stale after an ambiguous write), and the test's replica leaves the ring.
    /// </summary>
    private async Task ReloadRingAndRemoveAsync(string name)
    {
        Volatile.Write(ref FlakyStorage.AmbiguousWrites, 0);
        await Ring.AsReference<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        if ((await Ring.GetState()).Replicas.Any(r => r.Name == name))
        {
            await Manager.Remove(1, [name]);
        }

        foreach (var stray in FakeRuntime.Instance.Running.Values.Where(i => i.Name == name).ToList())
        {
            await FakeRuntime.Instance.StopAsync(stray, CancellationToken.None);
        }
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public TestCluster Cluster { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var builder = new TestClusterBuilder(1);
            builder.AddSiloBuilderConfigurator<SiloConfigurator>();
            Cluster = builder.Build();
            await Cluster.DeployAsync();
        }

        public async Task DisposeAsync()
        {
            await Cluster.DisposeAsync();
            FakeRuntime.Instance.Dispose();
        }
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.ConfigureServices(services =>
        {
            services.AddGrainStorage(RingGrain.StorageName, (sp, _) => new FlakyStorage(sp.GetRequiredService<Serializer>()));
            services.AddSingleton(Options.Create(RoutingSettings.Default));
            services.AddSingleton(Options.Create(new ReplicaOptions { InitialCount = 0, MaxCount = 16 }));
            services.AddSingleton<ReplicaMetrics>();
            services.AddSingleton<HeartbeatProbe>();
            services.AddSingleton<IReplicaRuntime>(FakeRuntime.Instance);
        });
    }

    /// <summary>
    /// Grain storage that keeps serialized copies with ETags, as a real store does. While <see cref="FailWrites"/> is set,
    /// it refuses every write; while <see cref="AmbiguousWrites"/> is above zero, a write is stored and then fails as a
    /// timeout after the fact would (the caller's ETag is left stale, as it would be).
    /// </summary>
    private sealed class FlakyStorage(Serializer serializer) : IGrainStorage
    {
        public static volatile bool FailWrites;

        public static int AmbiguousWrites;

        private static readonly ConcurrentDictionary<(string State, GrainId Grain), (byte[] Data, string ETag)> Stored = new();
        private static Serializer? _serializer;

        /// <summary>The ring as stored (deserialized), or null when none was written.</summary>
        public static RingGrainState? StoredRing() =>
            Stored.FirstOrDefault(s => s.Key.State == "ring") is { Value.Data: { } data } ? _serializer!.Deserialize<RingGrainState>(data) : null;

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            _serializer = serializer;
            if (Stored.TryGetValue((stateName, grainId), out var stored))
            {
                grainState.State = serializer.Deserialize<T>(stored.Data);
                grainState.ETag = stored.ETag;
                grainState.RecordExists = true;
            }

            return Task.CompletedTask;
        }

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            _serializer = serializer;
            if (FailWrites)
            {
                throw new IOException("the storage is unavailable");
            }

            var key = (stateName, grainId);
            var current = Stored.TryGetValue(key, out var stored) ? stored.ETag : null;
            if (current != grainState.ETag)
            {
                throw new InconsistentStateException($"ETag mismatch writing {stateName}", current, grainState.ETag);
            }

            var etag = Guid.NewGuid().ToString("N");
            Stored[key] = (serializer.SerializeToArray(grainState.State), etag);
            int left;
            do
            {
                left = Volatile.Read(ref AmbiguousWrites);
            }
            while (left > 0 && Interlocked.CompareExchange(ref AmbiguousWrites, left - 1, left) != left);

            if (left > 0)
            {
                throw new TimeoutException("the storage did not confirm the write in time (it was stored)");
            }

            grainState.ETag = etag;
            grainState.RecordExists = true;
            return Task.CompletedTask;
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            Stored.TryRemove((stateName, grainId), out _);
            grainState.ETag = null;
            grainState.RecordExists = false;
            return Task.CompletedTask;
        }
    }

    /// <summary>Replicas that are entries in a table, all served by one loopback listener that answers 200 to anything.</summary>
    private sealed class FakeRuntime : IReplicaRuntime, IDisposable
    {
        public static readonly FakeRuntime Instance = new();

        private readonly HttpListener _listener = new();
        private readonly string _address;
        private int _starts;

        private FakeRuntime()
        {
            var port = FreePort.Next();
            _address = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(_address + "/");
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    try
                    {
                        var context = await _listener.GetContextAsync();
                        context.Response.StatusCode = 200;
                        context.Response.Close();
                    }
                    catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                    {
                        return;
                    }
                }
            });
        }

        public ConcurrentDictionary<string, ReplicaInstance> Running { get; } = new();

        public int Starts => Volatile.Read(ref _starts);

        public Func<string, Task>? BeforeStart { get; set; }

        public string Kind => "fake";

        public async Task<ReplicaInstance> StartAsync(string name, long ordinal, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _starts);
            if (BeforeStart is { } hook)
            {
                await hook(name);
            }

            // Nothing listens there: the replica never answers its heartbeat.
            var address = name.StartsWith("dies", StringComparison.Ordinal) ? $"http://127.0.0.1:{FreePort.Next()}" : _address;
            var instance = new ReplicaInstance(name, address, Guid.NewGuid().ToString("N"), ordinal);
            Running[instance.RuntimeId] = instance;
            return instance;
        }

        public Task StopAsync(ReplicaInstance instance, CancellationToken cancellationToken)
        {
            Running.TryRemove(instance.RuntimeId, out _);
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<ReplicaInstance>> ListAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<ReplicaInstance>>(Running.Values.ToList());

        public Task<string?> DescribeExitAsync(ReplicaInstance instance, CancellationToken cancellationToken) =>
            Task.FromResult(instance.Name.StartsWith("dies", StringComparison.Ordinal) ? $"Replica '{instance.Name}' exited with code 3 right after it started" : null);

        /// <summary>Case-insensitive, as container names are on a network's DNS.</summary>
        public string NameKey(string name) => name.ToLowerInvariant();

        public void Dispose() => _listener.Close();
    }
}
