using System.IO.Hashing;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.UnitTests.Routing;

/// <summary>
/// Literal key → replica results for a fixed table of each algorithm, so that every gateway process, and every build,
/// is pinned to the same routing. The classic, ring and maglev lists were checked against independent ports of the
/// algorithms over the reference XXH3 implementation; the slots list pins the table's add/remove history rules.
/// </summary>
public sealed class GoldenRoutingTests
{
    private static readonly string[] Keys = [.. Enumerable.Range(0, 12).Select(i => $"key-{i}"), "123456", "999999", "100000", "000042"];

    [Theory]
    [InlineData(RoutingSettings.Classic, "alpha, echo, alpha, alpha, alpha, charlie, alpha, alpha, alpha, alpha, alpha, alpha, alpha, alpha, alpha, alpha")]
    [InlineData(RoutingSettings.Ring, "charlie, charlie, delta, alpha, delta, charlie, charlie, echo, alpha, foxtrot, alpha, foxtrot, delta, charlie, foxtrot, echo")]
    [InlineData(RoutingSettings.Maglev, "echo, delta, foxtrot, charlie, delta, foxtrot, delta, echo, echo, charlie, echo, delta, echo, delta, delta, foxtrot")]
    [InlineData(RoutingSettings.Slots, "alpha, alpha, charlie, foxtrot, delta, echo, charlie, charlie, alpha, charlie, foxtrot, alpha, echo, delta, echo, alpha")]
    public void Keys_go_to_the_same_replicas_in_every_process(string algorithm, string expected)
    {
        var snapshot = FixedSnapshot(algorithm);
        Assert.Equal(expected, string.Join(", ", Keys.Select(k => snapshot.Replicas[snapshot.Route(snapshot.Hash(k))].Name)));
    }

    [Theory]
    [InlineData(RoutingSettings.Classic, 0xE2A3E0083C58DCE9UL)]
    [InlineData(RoutingSettings.Ring, 0x09F10EF42EAF5B05UL)]
    [InlineData(RoutingSettings.Maglev, 0xFDD92F584C8145C1UL)]
    [InlineData(RoutingSettings.Slots, 0x6AE03FDB07883491UL)]
    public void The_whole_table_is_the_same_in_every_process(string algorithm, ulong expected)
    {
        // The owners of 100,000 positions spread over the hash space, as one digest.
        var snapshot = FixedSnapshot(algorithm);
        var owners = Enumerable.Range(0, 100_000).Select(i => (byte)snapshot.Owner(KeyHash.Mix((ulong)i, 0x5EED))).ToArray();
        Assert.Equal(expected, XxHash3.HashToUInt64(owners));
    }

    /// <summary>Five replicas, one removed and one added after them, so the slots table carries some history.</summary>
    private static RoutingSnapshot FixedSnapshot(string algorithm) =>
        TestTables.Snapshot(RoutingTable.Create(new RoutingSettings { Algorithm = algorithm })
            .Add(["alpha", "bravo", "charlie", "delta", "echo"])
            .Remove(["bravo"])
            .Add(["foxtrot"]));
}
