using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.Keys;
using Orleans.LoadBalancer.Gateway.Metrics;
using Orleans.LoadBalancer.Gateway.Proxy;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Benchmarks;

/// <summary>
/// The gateway's work per request without the network, with the real types: the key from the <c>X-Request-Id</c>
/// header, hash and route on the snapshot (health, suspects, bounded loads when on), the in-flight place taken and
/// given back, the <c>X-Replica</c> response header, and the metrics (instruments live, as under Prometheus).
/// </summary>
[MemoryDiagnoser]
public class GatewayHotPathBenchmarks
{
    private const int Contexts = 65_536;

    private readonly RingSnapshotStore _store = new();
    private DefaultHttpContext[] _contexts = [];
    private RoutingSnapshot _snapshot = RoutingSnapshot.Empty;
    private RouteSelector _router = null!;
    private GatewayMetrics _metrics = null!;
    private MeterProvider? _meters;
    private int _next;

    /// <summary>0: plain consistent hashing; 1.25: bounded loads.</summary>
    [Params(0.0, 1.25)]
    public double BalanceFactor { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var table = RoutingTable.Create(RoutingSettings.Default).Add(Enumerable.Range(1, 16).Select(i => $"replica-{i}").ToList());
        _snapshot = RoutingSnapshot.Create(1, table, table.Members.Select((m, i) => new RoutedReplica(m, $"http://127.0.0.1:{20000 + i}", true)).ToList())
            with { RingId = Guid.NewGuid() };
        _store.TryUpdate(_snapshot);

        var options = Options.Create(new GatewayOptions());
        var suspects = new ReplicaSuspects(new UnreportedSuspects(), _store, NullLogger<ReplicaSuspects>.Instance);
        _metrics = new GatewayMetrics(_store, TimeProvider.System);
        _meters = Sdk.CreateMeterProviderBuilder().AddMeter(GatewayMetrics.MeterName).AddPrometheusExporter().Build();
        var keys = new KeySelector(options.Value.RequestIdHeader, [], []);
        _router = new RouteSelector(keys, suspects, new InFlightTracker(_store), _metrics, BalanceFactor);

        _contexts = RingReport.RandomKeys(Contexts).Select(key =>
        {
            var context = new DefaultHttpContext();
            context.Request.Method = HttpMethods.Get;
            context.Request.Path = "/home";
            context.Request.Headers["X-Request-Id"] = key;
            return context;
        }).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _meters?.Dispose();
        _metrics.Dispose();
    }

    [Benchmark]
    public int RouteRequest()
    {
        var start = Stopwatch.GetTimestamp();
        var context = _contexts[_next++ & (Contexts - 1)];
        var choice = _router.Choose(context, _snapshot);
        var replica = _snapshot.Replicas[choice.Index].Name;
        context.Response.Headers["X-Replica"] = replica;
        _router.Release(choice, choice.Index);
        _metrics.Routed(replica, StatusCodes.Status200OK, start);
        return choice.Index;
    }

    private sealed class UnreportedSuspects : ISuspectReporter
    {
        public void Report(string replica)
        {
        }
    }
}
