using BenchmarkDotNet.Attributes;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Benchmarks;

/// <summary>
/// Hash plus lookup of a 36-character key at N = 16 (131,072 distinct keys in turn), and what a membership change costs the RingGrain at N = 64: the
/// table update (adding a 65th replica, or removing it again) plus the new snapshot. <c>classic</c> holds at most 56
/// servers, so its membership change goes from 55 to 56 servers and back.
/// </summary>
[MemoryDiagnoser]
public class RoutingLookupBenchmarks
{
    private const int MembershipReplicas = 64;

    /// <summary>Distinct keys cycled through (about 12 MB of strings), so caches and branch prediction are not flattered.</summary>
    private const int KeyCount = 1 << 17;

    private RoutingSnapshot _snapshot = RoutingSnapshot.Empty;
    private RoutingTable _table = RoutingTable.Create(RoutingSettings.Default);
    private RoutingTable _grown = RoutingTable.Create(RoutingSettings.Default);
    private string[] _keys = [];
    private int _next;

    [Params("slots", "ring", "maglev", "classic")]
    public string Algorithm { get; set; } = "slots";

    [GlobalSetup]
    public void Setup()
    {
        var settings = new RoutingSettings { Algorithm = Algorithm };
        var table = RoutingTable.Create(settings).Add(Names(16));
        _snapshot = Build(table);
        _keys = RingReport.RandomKeys(KeyCount);
        _table = RoutingTable.Create(settings).Add(Names(Math.Min(MembershipReplicas, settings.Capacity - 1)));
        _grown = _table.Add(["newcomer"]);
    }

    [Benchmark]
    public int HashAndRoute()
    {
        var key = _keys[_next++ & (KeyCount - 1)];
        return _snapshot.Route(_snapshot.Hash(key));
    }

    [Benchmark]
    public RoutingSnapshot AddReplica64() => Build(_table.Add(["newcomer"]));

    [Benchmark]
    public RoutingSnapshot RemoveReplica64() => Build(_grown.Remove(["newcomer"]));

    private static List<string> Names(int count) => Enumerable.Range(1, count).Select(i => $"replica-{i}").ToList();

    private static RoutingSnapshot Build(RoutingTable table) =>
        RoutingSnapshot.Create(2, table, table.Members.Select(m => new RoutedReplica(m, "http://127.0.0.1:1", true)).ToList());
}
