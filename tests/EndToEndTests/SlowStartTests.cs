using System.Net;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// <c>Replicas:SlowStart</c> on a cluster of its own: a new replica ramps up over several versions, taking keys only
/// from the others; a weight set or a remove during a ramp ends it.
/// </summary>
public sealed class SlowStartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_new_replica_ramps_up_over_several_versions_with_rising_effective_weight()
    {
        await using var cluster = await LoadBalancerCluster.StartAsync(siloSettings: new Dictionary<string, string> { ["Replicas__SlowStart"] = "00:00:06" });
        var gateway = cluster.Gateway;
        var keys = Enumerable.Range(0, 1500).Select(i => $"ramp-{i:D5}").ToList();
        var before = await gateway.RouteAllAsync(keys);

        using (var added = await gateway.AddAsync("""{"n": 1, "hostnames": ["S4"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }

        // Watch the ring until S4 has its whole weight: (version, effective weight) as the gateway routes with them.
        var seen = new List<(long Version, double Weight, double Share)>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (seen.Count == 0 || seen[^1].Weight < 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "S4 never reached its whole weight: " + string.Join("; ", seen));
            using var ring = await gateway.GetJsonAsync("/ring");
            var message = ring.RootElement.GetProperty("message");
            var s4 = message.GetProperty("replicas").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "S4");
            var now = (message.GetProperty("version").GetInt64(), s4.GetProperty("effectiveWeight").GetDouble(), s4.GetProperty("share").GetDouble());
            if (seen.Count == 0 || seen[^1].Version != now.Item1)
            {
                seen.Add(now);
            }

            await Task.Delay(50);
        }

        output.WriteLine(string.Join(Environment.NewLine, seen));
        output.WriteLine(string.Join(Environment.NewLine, cluster.Output.Split('\n').Where(l => l.Contains("low start", StringComparison.Ordinal))));
        Assert.InRange(seen[0].Weight, 0.05, 0.25);
        // Nine steps of 0.67 s; a busy machine may wake the loop late, and then one version takes several steps at once.
        Assert.True(seen.Count >= 3, "several versions: " + string.Join("; ", seen));
        for (var i = 1; i < seen.Count; i++)
        {
            Assert.True(seen[i].Version > seen[i - 1].Version);
            Assert.True(seen[i].Weight > seen[i - 1].Weight, "the effective weight rises at every version: " + string.Join("; ", seen));
            Assert.True(seen[i].Share > seen[i - 1].Share);
        }

        Assert.Equal(0.25, seen[^1].Share, 4);

        // Keys moved only to the newcomer.
        var after = await gateway.RouteAllAsync(keys);
        Assert.All(keys.Where(k => after[k] != before[k]), k => Assert.Equal("S4", after[k]));

        // A weight set during a ramp ends it at once.
        using (var added = await gateway.AddAsync("""{"n": 1, "hostnames": ["S5"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }

        Assert.True((await ReplicaWeightTests.RingReplicaAsync(gateway, "S5")).GetProperty("effectiveWeight").GetDouble() < 1);
        using (var weighted = await ReplicaWeightTests.PutWeightAsync(gateway, "S5", """{"weight": 2}"""))
        {
            Assert.Equal(HttpStatusCode.OK, weighted.StatusCode);
        }

        var s5 = await ReplicaWeightTests.RingReplicaAsync(gateway, "S5");
        Assert.Equal(2.0, s5.GetProperty("effectiveWeight").GetDouble());

        // A replica removed during its ramp ends it: no step comes after the remove.
        using (var added = await gateway.AddAsync("""{"n": 1, "hostnames": ["S6"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }

        using (var removed = await gateway.RemoveAsync("""{"n": 1, "hostnames": ["S6"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        var version = (await gateway.GetJsonAsync("/ring")).RootElement.GetProperty("message").GetProperty("version").GetInt64();
        // A step comes every 0.67 s: four steps' time shows the ramp has ended.
        await Task.Delay(TimeSpan.FromSeconds(2.7));
        Assert.Equal(version, (await gateway.GetJsonAsync("/ring")).RootElement.GetProperty("message").GetProperty("version").GetInt64());
        Assert.Equal(2.0, (await ReplicaWeightTests.RingReplicaAsync(gateway, "S5")).GetProperty("effectiveWeight").GetDouble());
    }
}
