using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests.Grains.Replicas;

/// <summary>The ReplicaManagerGrain starting real replica processes on a test cluster.</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class ReplicaManagerGrainTests(GrainClusterFixture fixture)
{
    [Fact]
    public async Task Add_starts_serving_replicas_and_Remove_stops_them()
    {
        var manager = fixture.Grains.GetGrain<IReplicaManagerGrain>(RingKeys.Default);
        var ring = fixture.Grains.GetGrain<IRingGrain>(RingKeys.Default);

        var added = await manager.Add(2, ["m1"]);

        Assert.True(added.Succeeded, added.Message);
        Assert.Equal(2, added.Replicas.Count);
        Assert.Equal("m1", added.Replicas[0]);
        var state = await ring.GetState();
        Assert.Equal(added.Version, state.Version);
        using var http = new HttpClient();
        foreach (var replica in state.Replicas)
        {
            var home = await http.GetStringAsync(replica.Address + "/home");
            Assert.Contains($"Hello from Server: {replica.Name}", home);
        }

        var statuses = await manager.GetReplicas();
        Assert.All(statuses, s => Assert.Equal(ReplicaHealth.Healthy, s.Health));

        var invalid = await manager.Add(1, ["m1"]);
        Assert.Equal(AdminError.InvalidRequest, invalid.Error);
        Assert.Equal(added.Version, (await ring.GetSnapshot()).Version);

        var removed = await manager.Remove(2, []);
        Assert.True(removed.Succeeded, removed.Message);
        Assert.Empty(removed.Replicas);
        // Out of the ring at once; each process stops once drained (no gateway here holds requests on it).
        foreach (var replica in state.Replicas)
        {
            await Eventually.TrueAsync(async () =>
            {
                try
                {
                    await http.GetStringAsync(replica.Address + "/home");
                    return false;
                }
                catch (HttpRequestException)
                {
                    return true;
                }
            }, TimeSpan.FromSeconds(40), $"{replica.Name} stops after its drain");
        }
    }
}
