using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.UnitTests.Routing;

internal static class TestTables
{
    public static readonly string[] Algorithms = [RoutingSettings.Slots, RoutingSettings.Ring, RoutingSettings.Maglev, RoutingSettings.Classic];

    public static IEnumerable<string> Names(int count, int from = 1) => Enumerable.Range(from, count).Select(i => $"replica-{i}");

    public static RoutingTable Table(string algorithm, int replicas) =>
        RoutingTable.Create(new RoutingSettings { Algorithm = algorithm }).Add(Names(replicas).ToList());

    public static RoutingSnapshot Snapshot(RoutingTable table, long version = 1, ISet<string>? down = null) =>
        RoutingSnapshot.Create(version, table, table.Members.Select(n => new RoutedReplica(n, $"http://127.0.0.1/{n}", down?.Contains(n) != true)).ToList());

    /// <summary>Random 36-character keys (GUID-like), seeded so that runs agree.</summary>
    public static string[] Keys(int count, int seed = 42)
    {
        var random = new Random(seed);
        var bytes = new byte[16];
        return Enumerable.Range(0, count).Select(_ =>
        {
            random.NextBytes(bytes);
            return new Guid(bytes).ToString();
        }).ToArray();
    }

    /// <summary>An in-flight count per replica, all below a random bound under 40.</summary>
    public static int[] RandomLoads(int count, Random random)
    {
        var most = random.Next(1, 40);
        return Enumerable.Range(0, count).Select(_ => random.Next(0, most)).ToArray();
    }

    public static string[] Owners(RoutingSnapshot snapshot, IReadOnlyList<string> keys) =>
        keys.Select(k => snapshot.Replicas[snapshot.Route(snapshot.Hash(k))].Name).ToArray();

    /// <summary>The largest table each algorithm allows (every replica there may be), two replicas down: for allocation checks.</summary>
    public static RoutingSnapshot Largest(string algorithm)
    {
        var settings = new RoutingSettings { Algorithm = algorithm, SlotCount = 8192, PointsPerReplica = 4, MaglevTableSize = 4099 };
        var table = RoutingTable.Create(settings).Add(Names(RoutingSettings.MaxReplicas).ToList());
        return Snapshot(table, down: new HashSet<string> { "replica-1", "replica-2" });
    }
}
