using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// Real gateway processes follow the RingGrain by deltas: after adds and removes, every gateway routes on a snapshot
/// it built by applying deltas, and that snapshot is the RingGrain's own (same version, replicas, shares, table and
/// sampled routes).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class RingDeltaTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Gateways_route_on_delta_applied_snapshots_identical_to_the_RingGrains()
    {
        var cluster = fixture.Cluster;
        using var host = await ClusterInspection.ConnectLocalhostAsync(cluster.GatewayPort, cluster.ClusterId, cluster.ServiceId);
        var ring = host.Client().GetGrain<IRingGrain>(RingKeys.Default);

        // A gateway of this test's own that renews its subscription rarely, so that nothing but a delta brings it a change.
        var port = FreePort.Next();
        await using var process = ManagedProcess.StartDotnet("delta-gateway", RepoPaths.Gateway, new Dictionary<string, string>
        {
            ["Urls"] = $"http://127.0.0.1:{port}",
            ["Logging__LogLevel__Default"] = "Information",
            ["Cluster__ClusterId"] = cluster.ClusterId,
            ["Cluster__ServiceId"] = cluster.ServiceId,
            ["Cluster__GatewayPort"] = cluster.GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway__RingRefreshInterval"] = "00:00:20",
        });
        var follower = new GatewayEndpoint(process, new Uri($"http://127.0.0.1:{port}"));
        await follower.WaitServingAsync(TimeSpan.FromSeconds(120));
        var gateways = cluster.Gateways.Append(follower).ToList();
        var versions = new List<long>();

        // Removed newest first, so the shared cluster's table ends exactly as it was (later tests compare routes with it).
        foreach (var (add, name) in new[] { (true, "D1"), (true, "D2"), (false, "D2"), (false, "D1") })
        {
            var body = $$"""{"n": 1, "hostnames": ["{{name}}"]}""";
            using (var response = add ? await cluster.Gateway.AddAsync(body) : await cluster.Gateway.RemoveAsync(body))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            string? difference = null;
            await Eventually.TrueAsync(
                async () => (difference = await DifferenceAsync(ring, gateways)) is null,
                TimeSpan.FromSeconds(30),
                $"every gateway routes on the RingGrain's snapshot after {(add ? "adding" : "removing")} {name}: {difference}");
            versions.Add((await ring.GetSnapshot()).Version);
        }

        // The test's gateway got every one of those versions by a delta: what it routes on is delta-applied.
        var installed = DeltaInstall().Matches(process.Output).Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        Assert.True(versions.All(installed.Contains), $"versions {string.Join(", ", versions)}; by delta {string.Join(", ", installed)}\n{process.Output}");
    }

    /// <summary>Null when every gateway holds the RingGrain's current snapshot; otherwise what differs.</summary>
    private static async Task<string?> DifferenceAsync(IRingGrain ring, IReadOnlyList<GatewayEndpoint> gateways)
    {
        var expected = await ring.GetSnapshot();
        foreach (var gateway in gateways)
        {
            using var state = await gateway.GetJsonAsync("/ring");
            var message = state.RootElement.GetProperty("message");
            if (message.GetProperty("version").GetInt64() != expected.Version)
            {
                return $"{gateway.Address} is at version {message.GetProperty("version")}, the RingGrain at {expected.Version}";
            }

            var replicas = message.GetProperty("replicas").EnumerateArray()
                .Select(r => (r.GetProperty("name").GetString(), r.GetProperty("up").GetBoolean(), r.GetProperty("share").GetDouble())).ToList();
            Assert.Equal(expected.Replicas.Select((r, i) => ((string?)r.Name, r.IsUp, expected.Share(i))), replicas);

            using var arcs = await gateway.GetJsonAsync("/ring/arcs");
            var owners = arcs.RootElement.GetProperty("message").GetProperty("owners").EnumerateArray().Select(o => o.GetString()).ToList();
            Assert.Equal(Enumerable.Range(0, owners.Count).Select(i => expected.Replicas[expected.Owner((ulong)i * (ulong.MaxValue / (ulong)owners.Count))].Name), owners);

            // Requests, one at a time, go where the RingGrain's snapshot sends them.
            for (var k = 0; k < 50; k++)
            {
                var key = $"delta-{k}";
                var served = await ControlPlaneProbe.ServeAsync(gateway, key);
                var owner = expected.Replicas[expected.Route(expected.Hash(key))].Name;
                if (!served.By(owner))
                {
                    return (await ring.GetSnapshot()).Version != expected.Version
                        ? "the ring changed meanwhile"
                        : throw new Xunit.Sdk.XunitException($"{gateway.Address} served {key} by {served}, the RingGrain's snapshot by {owner}");
                }
            }
        }

        return (await ring.GetSnapshot()).Version == expected.Version ? null : "the ring changed meanwhile";
    }

    [GeneratedRegex(@"Routing on ring version (\d+) \(.*\) from delta")]
    private static partial Regex DeltaInstall();
}
