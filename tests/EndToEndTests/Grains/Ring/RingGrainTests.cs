using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.EndToEndTests.Grains.Ring;

/// <summary>The RingGrain's contract, on a test cluster. Each test uses a ring of its own (its own grain key).</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class RingGrainTests(GrainClusterFixture fixture)
{
    private IRingGrain NewRing() => fixture.Grains.GetGrain<IRingGrain>("ring-" + Guid.NewGuid().ToString("N"));

    private static ReplicaRecord Record(string name) => new(name, $"http://127.0.0.1:1/{name}", "0");

    [Fact]
    public async Task Every_accepted_change_is_one_version_step_and_a_rejected_one_is_none()
    {
        var ring = NewRing();
        Assert.Equal(0, (await ring.GetSnapshot()).Version);

        var added = await ring.AddReplicas([Record("a"), Record("b"), Record("c")]);
        Assert.Equal(1, added.Version);
        Assert.Equal(["a", "b", "c"], added.Replicas.Select(r => r.Name));

        await Assert.ThrowsAsync<ArgumentException>(() => ring.AddReplicas([Record("d"), Record("a")]));
        await Assert.ThrowsAsync<ArgumentException>(() => ring.RemoveReplicas(["zz"]));
        await Assert.ThrowsAsync<ArgumentException>(() => ring.UpdateReplicas([Record("zz")]));
        var unchanged = await ring.GetSnapshot();
        Assert.Equal(added.Version, unchanged.Version);
        Assert.Equal(added.Replicas, unchanged.Replicas);

        var removed = await ring.RemoveReplicas(["b"]);
        Assert.Equal(2, removed.Version);
        Assert.Equal(["a", "c"], removed.Replicas.Select(r => r.Name));

        var marked = await ring.UpdateReplicas([Record("a") with { IsUp = false }]);
        Assert.Equal(3, marked.Version);
        Assert.False(marked.Replicas[0].IsUp);
        Assert.Equal(3, (await ring.UpdateReplicas([Record("a") with { IsUp = false }])).Version);
    }

    [Fact]
    public async Task Draining_is_one_stored_step_that_health_marks_never_undo_and_undraining_restores_every_key()
    {
        var ring = NewRing();
        var before = await ring.AddReplicas([Record("a"), Record("b"), Record("c")]);
        var keys = Enumerable.Range(0, 2000).Select(i => $"k{i}").ToList();
        var owners = keys.Select(k => before.Replicas[before.Route(before.Hash(k))].Name).ToList();

        var drained = await ring.SetDraining("b", true);
        Assert.Equal(before.Version + 1, drained.Version);
        Assert.True(drained.Replicas[1].Draining);
        Assert.Equal(2, drained.UpCount);
        Assert.All(keys, k => Assert.NotEqual("b", drained.Replicas[drained.Route(drained.Hash(k))].Name));

        // The runtime's records (down, then up again at a new address) carry no draining mark: the ring keeps its own.
        await ring.UpdateReplicas([Record("b") with { IsUp = false }]);
        var back = await ring.UpdateReplicas([Record("b") with { Address = "http://127.0.0.1:2/b" }]);
        Assert.True(back.Replicas[1].Draining);
        Assert.True((await ring.GetState()).Replicas[1].Draining);
        await Assert.ThrowsAsync<ArgumentException>(() => ring.SetDraining("zz", true));

        var undrained = await ring.SetDraining("b", false);
        Assert.False(undrained.Replicas[1].Draining);
        Assert.Equal(owners, keys.Select(k => undrained.Replicas[undrained.Route(undrained.Hash(k))].Name));
    }

    [Fact]
    public async Task A_replacement_under_a_new_name_is_one_version_step_that_never_lacks_both()
    {
        var ring = NewRing();
        var before = await ring.AddReplicas([Record("a"), Record("b"), Record("c")]);

        var replaced = await ring.ReplaceReplica("b", Record("b2"));

        // One step: no published version holds neither the old nor the new name (the assignment's remove-then-add did).
        Assert.Equal(before.Version + 1, replaced.Version);
        Assert.Equal(["a", "c", "b2"], replaced.Replicas.Select(r => r.Name));
        await Assert.ThrowsAsync<ArgumentException>(() => ring.ReplaceReplica("zz", Record("z2")));
        await Assert.ThrowsAsync<ArgumentException>(() => ring.ReplaceReplica("a", Record("c")));
        Assert.Equal(replaced.Version, (await ring.GetSnapshot()).Version);
    }

    [Fact]
    public async Task Marking_a_replica_down_keeps_the_table_and_moves_only_its_keys()
    {
        var ring = NewRing();
        var up = await ring.AddReplicas([Record("a"), Record("b"), Record("c"), Record("d")]);
        var down = await ring.UpdateReplicas([Record("b") with { IsUp = false }]);

        for (var i = 0; i < 20_000; i++)
        {
            var hash = up.Hash($"key-{i}");
            Assert.Equal(up.Owner(hash), down.Owner(hash));
            var before = up.Route(hash);
            var after = down.Route(hash);
            if (up.Replicas[before].Name != "b")
            {
                Assert.Equal(before, after);
            }
            else
            {
                Assert.NotEqual("b", down.Replicas[after].Name);
            }
        }

        Assert.Equal(1.0, Enumerable.Range(0, down.Count).Sum(down.Share), 9);
    }

    [Fact]
    public async Task GetTarget_agrees_with_the_snapshot_and_GetState_shows_shares()
    {
        var ring = NewRing();
        Assert.Null((await ring.GetTarget("x")).Replica);
        var snapshot = await ring.AddReplicas([Record("a"), Record("b")]);

        for (var i = 0; i < 50; i++)
        {
            var target = await ring.GetTarget($"k{i}");
            Assert.Equal(snapshot.Replicas[snapshot.Route(snapshot.Hash($"k{i}"))].Name, target.Replica);
            Assert.Equal(snapshot.Version, target.Version);
        }

        var state = await ring.GetState();
        Assert.Equal(snapshot.Version, state.Version);
        Assert.Equal("slots", state.Algorithm);
        Assert.Equal(0.5, state.Shares[0], 3);
        Assert.Equal(1.0, state.Shares.Sum(), 9);
    }

    [Fact]
    public async Task Subscribers_get_every_new_snapshot_pushed()
    {
        var ring = NewRing();
        var observer = new RecordingObserver();
        var reference = fixture.Grains.CreateObjectReference<IRingObserver>(observer);
        var initial = await ring.Subscribe(reference, Guid.Empty, -1, -1);
        Assert.NotNull(initial);

        await ring.AddReplicas([Record("a")]);
        await ring.AddReplicas([Record("b")]);
        await ring.RemoveReplicas(["a"]);

        await Infrastructure.Eventually.TrueAsync(() => Task.FromResult(observer.Versions.Count == 3), TimeSpan.FromSeconds(15));
        Assert.Equal([initial.Version + 1, initial.Version + 2, initial.Version + 3], observer.Versions.OrderBy(v => v));
        GC.KeepAlive(observer);
    }

    [Fact]
    public async Task Renewing_a_subscription_sends_the_snapshot_only_to_a_caller_that_lacks_it()
    {
        var ring = NewRing();
        var reference = fixture.Grains.CreateObjectReference<IRingObserver>(new RecordingObserver());
        var current = await ring.AddReplicas([Record("a"), Record("b")]);
        Assert.NotEqual(Guid.Empty, current.RingId);

        Assert.Null(await ring.Subscribe(reference, current.RingId, current.Epoch, current.Version));
        Assert.Null(await ring.GetSnapshotIfNewer(current.RingId, current.Epoch, current.Version));
        Assert.Equal(current.Version, (await ring.Subscribe(reference, current.RingId, current.Epoch, current.Version - 1))?.Version);
        // Another ring's snapshot, whatever its version, is replaced by this ring's.
        Assert.Equal(current.RingId, (await ring.GetSnapshotIfNewer(Guid.NewGuid(), current.Epoch + 100, current.Version + 100))?.RingId);
        Assert.NotEqual(current.RingId, (await NewRing().AddReplicas([Record("a")])).RingId);
    }

    [Fact]
    public async Task The_ring_survives_deactivation_with_the_same_version_and_table()
    {
        var key = "ring-" + Guid.NewGuid().ToString("N");
        var ring = fixture.Grains.GetGrain<IRingGrain>(key);
        var before = await ring.AddReplicas([Record("a"), Record("b"), Record("c")]);
        before = await ring.RemoveReplicas(["b"]);

        await ring.AsReference<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        await Task.Delay(200);

        var after = await fixture.Grains.GetGrain<IRingGrain>(key).GetSnapshot();
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(before.RingId, after.RingId);
        // A new activation publishes under a higher epoch, so that no version it publishes can collide with the last one's.
        Assert.True(after.Epoch > before.Epoch, $"epoch {after.Epoch} after reactivation, {before.Epoch} before");
        Assert.True(after.Supersedes(before));
        Assert.Equal(before.Replicas, after.Replicas);
        for (var i = 0; i < 5_000; i++)
        {
            var hash = before.Hash($"key-{i}");
            Assert.Equal(before.Owner(hash), after.Owner(hash));
        }
    }

    [Fact]
    public async Task An_algorithm_chosen_through_the_api_survives_reactivation()
    {
        var key = "ring-" + Guid.NewGuid().ToString("N");
        var ring = fixture.Grains.GetGrain<IRingGrain>(key);
        await ring.AddReplicas([Record("a"), Record("b"), Record("c")]);
        var added = await ring.GetSnapshot();
        var changed = await ring.ChangeSettings(new RoutingSettings { Algorithm = RoutingSettings.Maglev });
        Assert.Equal(added.Version + 1, changed.Version);

        await ring.AsReference<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        await Task.Delay(500);

        var after = await fixture.Grains.GetGrain<IRingGrain>(key).GetSnapshot();
        Assert.Equal(RoutingSettings.Maglev, after.Settings.Algorithm);
        Assert.Equal(changed.Version, after.Version);
    }

    private sealed class RecordingObserver : IRingObserver
    {
        public System.Collections.Concurrent.ConcurrentBag<long> Versions { get; } = [];

        public Task OnSnapshot(RoutingSnapshot snapshot)
        {
            Versions.Add(snapshot.Version);
            return Task.CompletedTask;
        }

        public Task OnDelta(RoutingDelta delta)
        {
            Versions.Add(delta.Version);
            return Task.CompletedTask;
        }
    }
}
