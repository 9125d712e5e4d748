using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Grains.Ring;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Orleans.LoadBalancer.UnitTests.Routing;
using Orleans.TestingHost;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.Routing;

/// <summary>
/// The gateway's <see cref="RingFollower"/> on a real silo's RingGrain (the default ring, in a test cluster of its own):
/// it follows changes by deltas, and a follower that missed one comes back to the RingGrain's snapshot.
/// </summary>
public sealed class RingFollowerDeltaTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    private IRingGrain Ring => _cluster.Client.GetGrain<IRingGrain>(RingKeys.Default);

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_follower_that_missed_a_delta_fetches_the_whole_snapshot_when_the_next_one_comes()
    {
        await Ring.AddReplicas([Record("a"), Record("b"), Record("c")]);
        var store = new RingSnapshotStore();
        var follower = new RingFollower(_cluster.Client, store, Options.Create(new GatewayOptions { RingRefreshInterval = TimeSpan.FromMinutes(10) }), NullLogger<RingFollower>.Instance);
        var lossy = new LossyObserver(follower);
        var reference = _cluster.Client.CreateObjectReference<IRingObserver>(lossy);
        follower.Adopt((await Ring.Subscribe(reference, Guid.Empty, -1, -1))!);

        await Ring.AddReplicas([Record("d")]);
        await ConvergedAsync(store);
        Assert.Equal((1L, 1L), follower.Installed);

        lossy.Dropping = true;
        await Ring.AddReplicas([Record("e")]);
        await Eventually.TrueAsync(() => Task.FromResult(lossy.Dropped == 1), TimeSpan.FromSeconds(10), "the delta for e was dropped");
        lossy.Dropping = false;
        Assert.True((await Ring.GetSnapshot()).Supersedes(store.Current), "the follower should be behind");

        // The next delta does not apply to the version the follower holds: it fetches the whole snapshot instead.
        await Ring.RemoveReplicas(["d"]);
        await ConvergedAsync(store);
        Assert.Equal((1L, 2L), follower.Installed);
        SameRouting.Assert(await Ring.GetSnapshot(), store.Current);
        GC.KeepAlive(lossy);
    }

    [Fact]
    public async Task A_follower_whose_subscription_was_lost_comes_back_by_its_renewal()
    {
        await Ring.AddReplicas([Record("a"), Record("b"), Record("c")]);
        var store = new RingSnapshotStore();
        using var follower = new RingFollower(_cluster.Client, store, Options.Create(new GatewayOptions { RingRefreshInterval = TimeSpan.FromMilliseconds(200) }), NullLogger<RingFollower>.Instance);
        await follower.StartAsync(CancellationToken.None);
        try
        {
            await Ring.AddReplicas([Record("d")]);
            await ConvergedAsync(store);
            Assert.Equal(1L, follower.Installed.Deltas);
            var whole = follower.Installed.Whole;

            // A new activation has no subscribers and a new epoch: its changes reach the follower only by the renewal.
            await Ring.AsReference<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
            await Ring.RemoveReplicas(["b"]);
            await Ring.UpdateReplicas([Record("a") with { IsUp = false }]);
            await ConvergedAsync(store);
            Assert.True(follower.Installed.Whole > whole);
            SameRouting.Assert(await Ring.GetSnapshot(), store.Current);

            // Then it follows by deltas again. A renewal racing a change may still bring that one whole (it asks every
            // 200 ms here), so a few changes are made: a follower that was not subscribed again would get none by delta.
            var deltas = follower.Installed.Deltas;
            foreach (var name in new[] { "f", "g", "h", "i", "j" })
            {
                await Ring.AddReplicas([Record(name)]);
                await ConvergedAsync(store);
                if (follower.Installed.Deltas > deltas)
                {
                    break;
                }
            }

            Assert.True(follower.Installed.Deltas > deltas, "no change came by delta after the renewal");
            SameRouting.Assert(await Ring.GetSnapshot(), store.Current);
        }
        finally
        {
            await follower.StopAsync(CancellationToken.None);
        }
    }

    private static ReplicaRecord Record(string name) => new(name, $"http://127.0.0.1:1/{name}", "0");

    private async Task ConvergedAsync(RingSnapshotStore store) =>
        await Eventually.TrueAsync(
            async () => !(await Ring.GetSnapshot()).Supersedes(store.Current), TimeSpan.FromSeconds(10), "the follower holds the RingGrain's version");

    /// <summary>Passes the RingGrain's pushes on to a follower, except the deltas it is told to drop.</summary>
    private sealed class LossyObserver(RingFollower follower) : IRingObserver
    {
        private int _dropped;

        public volatile bool Dropping;

        public int Dropped => Volatile.Read(ref _dropped);

        public Task OnSnapshot(RoutingSnapshot snapshot) => follower.OnSnapshot(snapshot);

        public Task OnDelta(RoutingDelta delta)
        {
            if (Dropping)
            {
                Interlocked.Increment(ref _dropped);
                return Task.CompletedTask;
            }

            return follower.OnDelta(delta);
        }
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddMemoryGrainStorage(RingGrain.StorageName);
            siloBuilder.ConfigureServices(services => services.AddSingleton(Options.Create(RoutingSettings.Default)));
        }
    }
}
