using BenchmarkDotNet.Attributes;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Benchmarks;

/// <summary>Hash plus lookup of a 36-character key at N = 16, and snapshot rebuild at N = 64.</summary>
[MemoryDiagnoser]
public class RoutingLookupBenchmarks
{
    private RoutingSnapshot _snapshot = RoutingSnapshot.Empty;
    private RoutingTable _table64 = RoutingTable.Create(RoutingSettings.Default);
    private string[] _keys = [];
    private int _next;

    [Params("slots", "ring", "maglev", "classic")]
    public string Algorithm { get; set; } = "slots";

    [GlobalSetup]
    public void Setup()
    {
        var settings = new RoutingSettings { Algorithm = Algorithm };
        var table = RoutingTable.Create(settings).Add(Enumerable.Range(1, 16).Select(i => $"replica-{i}").ToList());
        _snapshot = RoutingSnapshot.Create(1, table, table.Members.Select(m => new RoutedReplica(m, "http://127.0.0.1:1", true)).ToList());
        _keys = RingReport.RandomKeys(1024);
        if (Algorithm != RoutingSettings.Classic)
        {
            _table64 = RoutingTable.Create(settings).Add(Enumerable.Range(1, 64).Select(i => $"replica-{i}").ToList());
        }
    }

    [Benchmark]
    public int HashAndRoute()
    {
        var key = _keys[_next++ & 1023];
        return _snapshot.Route(_snapshot.Hash(key));
    }

    [Benchmark]
    public RoutingSnapshot Rebuild64() =>
        RoutingSnapshot.Create(2, _table64, _table64.Members.Select(m => new RoutedReplica(m, "http://127.0.0.1:1", true)).ToList());
}
