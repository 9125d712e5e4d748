using System.Diagnostics.Metrics;
using Orleans.LoadBalancer.Replicas;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>Replica lifecycle instruments on the silo (meter <see cref="MeterName"/>), labelled by replica name.</summary>
public sealed class ReplicaMetrics : IDisposable
{
    public const string MeterName = "Orleans.LoadBalancer.Silo";

    // The manager observes every health-check interval; a silo whose view is older no longer hosts it.
    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(10);
    private static readonly ReplicaHealth[] States = Enum.GetValues<ReplicaHealth>();

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _restarts;
    private readonly Counter<long> _deaths;
    private readonly TimeProvider _time;
    private HealthView _health = new([], DateTimeOffset.MinValue);

    public ReplicaMetrics(TimeProvider time)
    {
        _time = time;
        _restarts = _meter.CreateCounter<long>("lb.replica.restarts", "{restart}", "Replicas replaced after they died");
        _deaths = _meter.CreateCounter<long>("lb.replica.deaths", "{death}", "Replicas found dead by the health loop");
        _meter.CreateObservableGauge("lb.replica.health", Health, "1",
            "1 for the lifecycle state each replica is in (starting, healthy, suspect, dead, restarting, failed), 0 for the others");
    }

    public void Restarted(string replica) => _restarts.Add(1, new KeyValuePair<string, object?>("replica", replica));

    public void Died(string replica) => _deaths.Add(1, new KeyValuePair<string, object?>("replica", replica));

    /// <summary>What the health loop found this round, for the <c>lb.replica.health</c> gauge.</summary>
    public void Observed(IReadOnlyList<(string Replica, ReplicaHealth Health)> replicas) =>
        Volatile.Write(ref _health, new HealthView(replicas, _time.GetUtcNow()));

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<int>> Health()
    {
        var view = Volatile.Read(ref _health);
        if (_time.GetUtcNow() - view.At > Stale)
        {
            yield break;
        }

        foreach (var (replica, health) in view.Replicas)
        {
            foreach (var state in States)
            {
                yield return new Measurement<int>(state == health ? 1 : 0,
                    new KeyValuePair<string, object?>("replica", replica),
                    new KeyValuePair<string, object?>("state", state.ToString().ToLowerInvariant()));
            }
        }
    }

    private sealed record HealthView(IReadOnlyList<(string Replica, ReplicaHealth Health)> Replicas, DateTimeOffset At);
}
