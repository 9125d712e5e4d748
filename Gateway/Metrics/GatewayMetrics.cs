using System.Diagnostics;
using System.Diagnostics.Metrics;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.Metrics;

/// <summary>
/// The gateway's instruments (meter <see cref="MeterName"/>). Labels are replica names and status codes only,
/// never request ids, so cardinality stays bounded.
/// </summary>
internal sealed class GatewayMetrics : IDisposable
{
    public const string MeterName = "Orleans.LoadBalancer.Gateway";

    /// <summary>The replica label of requests answered without a replica (503: none available); no replica name has parentheses.</summary>
    public const string NoReplica = "(none)";

    // Sub-millisecond to seconds: a proxied request on loopback takes ~0.3 ms, a slow backend seconds.
    private static readonly double[] DurationBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _suspects;
    private readonly Counter<long> _diverted;
    private readonly Counter<long> _accessLogDropped;
    private readonly Counter<long> _ejections;
    private readonly Counter<long> _retryBudgetSpent;
    private readonly Counter<long> _fastLaneRequests;
    private readonly Counter<long> _fastLaneHandOvers;
    private readonly RequestRateWindow _rates;
    private Func<RoutedReplica, bool> _isEjected = _ => false;

    public GatewayMetrics(RingSnapshotStore store, TimeProvider time)
    {
        _rates = new RequestRateWindow(time);
        _requests = _meter.CreateCounter<long>("lb.gateway.requests", "{request}", "Requests routed, by replica and status code");
        _duration = _meter.CreateHistogram("lb.gateway.request.duration", "s", "Time from request to response through the gateway",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _retries = _meter.CreateCounter<long>("lb.gateway.retries", "{request}", "Requests retried on another replica, by the replica that failed");
        _suspects = _meter.CreateCounter<long>("lb.gateway.suspect_marks", "{mark}", "Times a replica was marked suspect by this gateway");
        _diverted = _meter.CreateCounter<long>("lb.gateway.diverted", "{request}", "Requests sent past their replica by bounded loads, by the replica skipped");
        _accessLogDropped = _meter.CreateCounter<long>("lb.gateway.access_log.dropped", "{line}",
            "Access log lines dropped because the output did not keep up (the queue was full)");
        _ejections = _meter.CreateCounter<long>("lb.gateway.outlier.ejections", "{ejection}",
            "Times this gateway ejected a replica from its routing after failures in a row (outlier detection)");
        _retryBudgetSpent = _meter.CreateCounter<long>("lb.gateway.retry_budget.exhausted", "{request}",
            "Retries not made because the retry budget was spent, by the replica that failed");
        _fastLaneRequests = _meter.CreateCounter<long>("lb.gateway.fast_lane.requests", "{request}",
            "Requests the fast lane proxied itself (Gateway:FastLane)");
        _fastLaneHandOvers = _meter.CreateCounter<long>("lb.gateway.fast_lane.handovers", "{connection}",
            "Connections the fast lane handed to Kestrel's HTTP pipeline, for a request it does not take");
        _meter.CreateObservableGauge("lb.gateway.outlier.ejected", () => Ejected(store), "1",
            "1 while this gateway holds a replica out of its routing (outlier detection), 0 otherwise");
        _meter.CreateObservableGauge("lb.ring.version", () => store.Current.Version, "{version}", "The routing snapshot version this gateway routes with");
        _meter.CreateObservableGauge("lb.ring.replicas", () => store.Current.Count, "{replica}", "Replicas in the ring");
        _meter.CreateObservableGauge("lb.ring.share", () => Shares(store), "1", "Each replica's share of the key space");
        _meter.CreateObservableGauge("lb.replica.up", () => Health(store), "1", "1 while a replica is up in the ring, 0 while it is down");
        _meter.CreateObservableGauge("lb.replica.weight", () => Weights(store, effective: false), "1", "Each replica's configured weight (1–100)");
        _meter.CreateObservableGauge("lb.replica.effective_weight", () => Weights(store, effective: true), "1",
            "Each replica's weight in the table now: below its weight while it ramps up in slow start");
        _meter.CreateObservableGauge("lb.replica.draining", () => Draining(store), "1",
            "1 while a replica is draining (routing skips it; the table keeps its place), 0 otherwise");
        _meter.CreateObservableGauge("lb.gateway.imbalance", () => _rates.Imbalance(store.Current), "1",
            "Max over mean of the per-replica request rate in the last 10 seconds");
    }

    public void Routed(string replica, int statusCode, long startTimestamp)
    {
        var elapsed = Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;
        _requests.Add(1, new KeyValuePair<string, object?>("replica", replica), new KeyValuePair<string, object?>("status_code", StatusCodes.Box(statusCode)));
        _duration.Record(elapsed, new KeyValuePair<string, object?>("replica", replica));
        _rates.Count(replica);
    }

    public void Retried(string failedReplica) => _retries.Add(1, new KeyValuePair<string, object?>("replica", failedReplica));

    public void MarkedSuspect(string replica) => _suspects.Add(1, new KeyValuePair<string, object?>("replica", replica));

    public void Diverted(string skippedReplica) => _diverted.Add(1, new KeyValuePair<string, object?>("replica", skippedReplica));

    public void AccessLogDropped() => _accessLogDropped.Add(1);

    public void Ejected(string replica) => _ejections.Add(1, new KeyValuePair<string, object?>("replica", replica));

    public void RetryBudgetExhausted(string failedReplica) => _retryBudgetSpent.Add(1, new KeyValuePair<string, object?>("replica", failedReplica));

    public void FastLaneServed() => _fastLaneRequests.Add(1);

    public void FastLaneHandedOver() => _fastLaneHandOvers.Add(1);

    /// <summary>Where the ejected gauge learns whether a replica is ejected now (outlier detection lives with the proxy).</summary>
    public void ObserveEjected(Func<RoutedReplica, bool> isEjected) => _isEjected = isEjected;

    /// <summary>Requests per second to <paramref name="replica"/> over the sliding window.</summary>
    public double RequestRate(string replica) => _rates.Rate(replica);

    public void Dispose() => _meter.Dispose();

    private static IEnumerable<Measurement<double>> Shares(RingSnapshotStore store)
    {
        var snapshot = store.Current;
        for (var i = 0; i < snapshot.Count; i++)
        {
            yield return new Measurement<double>(snapshot.Share(i), new KeyValuePair<string, object?>("replica", snapshot.Replicas[i].Name));
        }
    }

    private static IEnumerable<Measurement<double>> Weights(RingSnapshotStore store, bool effective)
    {
        foreach (var replica in store.Current.Replicas)
        {
            yield return new Measurement<double>(effective ? replica.EffectiveWeight : replica.Weight, new KeyValuePair<string, object?>("replica", replica.Name));
        }
    }

    private static IEnumerable<Measurement<int>> Health(RingSnapshotStore store)
    {
        var snapshot = store.Current;
        foreach (var replica in snapshot.Replicas)
        {
            yield return new Measurement<int>(replica.IsUp ? 1 : 0, new KeyValuePair<string, object?>("replica", replica.Name));
        }
    }

    private IEnumerable<Measurement<int>> Ejected(RingSnapshotStore store)
    {
        var isEjected = _isEjected;
        foreach (var replica in store.Current.Replicas)
        {
            yield return new Measurement<int>(isEjected(replica) ? 1 : 0, new KeyValuePair<string, object?>("replica", replica.Name));
        }
    }

    private static IEnumerable<Measurement<int>> Draining(RingSnapshotStore store)
    {
        var snapshot = store.Current;
        foreach (var replica in snapshot.Replicas)
        {
            yield return new Measurement<int>(replica.Draining ? 1 : 0, new KeyValuePair<string, object?>("replica", replica.Name));
        }
    }

    /// <summary>Boxed status codes, made once, so that tagging a measurement allocates nothing.</summary>
    private static class StatusCodes
    {
        private static readonly object[] Boxed = Enumerable.Range(0, 600).Select(i => (object)i).ToArray();

        public static object Box(int code) => (uint)code < Boxed.Length ? Boxed[code] : code;
    }
}
