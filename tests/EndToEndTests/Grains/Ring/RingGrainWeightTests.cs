using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.EndToEndTests.Grains.Ring;

/// <summary>The RingGrain's weights, on a test cluster (slow start off there). Each test uses a ring of its own.</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class RingGrainWeightTests(GrainClusterFixture fixture)
{
    private IRingGrain NewRing() => fixture.Grains.GetGrain<IRingGrain>("ring-" + Guid.NewGuid().ToString("N"));

    private static ReplicaRecord Record(string name, int weight = 1) => new(name, $"http://127.0.0.1:1/{name}", "0", Weight: weight);

    [Fact]
    public async Task Added_replicas_take_shares_in_proportion_to_their_weights()
    {
        var ring = NewRing();
        var snapshot = await ring.AddReplicas([Record("a"), Record("b", 3), Record("c")]);
        Assert.Equal([1, 3, 1], snapshot.Replicas.Select(r => r.Weight));
        Assert.Equal([100, 300, 100], snapshot.Replicas.Select(r => r.TableWeight));
        Assert.Equal(0.6, snapshot.Share(1), 4);

        var state = await ring.GetState();
        Assert.Equal(3, state.Replicas.Single(r => r.Name == "b").Weight);
        Assert.Equal(0.6, state.Shares[state.Replicas.ToList().FindIndex(r => r.Name == "b")], 4);
        await Assert.ThrowsAsync<ArgumentException>(() => ring.AddReplicas([Record("d", 0)]));
        Assert.Equal(snapshot.Version, (await ring.GetSnapshot()).Version);
    }

    [Fact]
    public async Task A_weight_change_is_one_version_step_and_setting_it_back_restores_every_key()
    {
        var ring = NewRing();
        var before = await ring.AddReplicas([Record("a"), Record("b"), Record("c")]);
        var keys = Enumerable.Range(0, 5000).Select(i => $"k{i}").ToList();

        var heavier = await ring.ChangeWeights(new Dictionary<string, int> { ["b"] = 3 });
        Assert.Equal(before.Version + 1, heavier.Version);
        Assert.Equal(3, heavier.Replicas[1].Weight);
        Assert.All(keys.Where(k => Owner(before, k) != Owner(heavier, k)), k => Assert.Equal("b", Owner(heavier, k)));

        // Refused: unknown name, out of range; nothing changes.
        await Assert.ThrowsAsync<ArgumentException>(() => ring.ChangeWeights(new Dictionary<string, int> { ["zz"] = 2 }));
        await Assert.ThrowsAsync<ArgumentException>(() => ring.ChangeWeights(new Dictionary<string, int> { ["a"] = 101 }));
        Assert.Equal(heavier.Version, (await ring.GetSnapshot()).Version);

        // The same weight again is no change at all.
        Assert.Equal(heavier.Version, (await ring.ChangeWeights(new Dictionary<string, int> { ["b"] = 3 })).Version);

        var back = await ring.ChangeWeights(new Dictionary<string, int> { ["b"] = 1 });
        Assert.Equal(heavier.Version + 1, back.Version);
        Assert.Equal(keys.Select(k => Owner(before, k)), keys.Select(k => Owner(back, k)));
    }

    [Fact]
    public async Task Weights_survive_a_change_of_algorithm_and_a_health_update_and_classic_refuses_them()
    {
        var ring = NewRing();
        await ring.AddReplicas([Record("a", 2), Record("b"), Record("c")]);

        var maglev = await ring.ChangeSettings(new RoutingSettings { Algorithm = RoutingSettings.Maglev });
        Assert.Equal(0.5, maglev.Share(0), 2);

        // A health update (as the runtime reports it, weight 1 in its record) leaves the weight alone.
        var down = await ring.UpdateReplicas([Record("a") with { IsUp = false }]);
        Assert.Equal(2, down.Replicas[0].Weight);
        Assert.Equal(200, down.Replicas[0].TableWeight);

        var version = down.Version;
        await Assert.ThrowsAsync<ArgumentException>(() => ring.ChangeSettings(new RoutingSettings { Algorithm = RoutingSettings.Classic }));
        Assert.Equal(version, (await ring.GetSnapshot()).Version);

        await ring.ChangeWeights(new Dictionary<string, int> { ["a"] = 1 });
        var classic = await ring.ChangeSettings(new RoutingSettings { Algorithm = RoutingSettings.Classic });
        Assert.Equal(RoutingSettings.Classic, classic.Settings.Algorithm);
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => ring.ChangeWeights(new Dictionary<string, int> { ["b"] = 2 }));
        Assert.Contains("classic assignment has no weights", refused.Message);
    }

    private static string Owner(RoutingSnapshot snapshot, string key) => snapshot.Replicas[snapshot.Owner(snapshot.Hash(key))].Name;
}
