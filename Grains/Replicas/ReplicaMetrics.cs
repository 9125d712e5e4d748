using System.Diagnostics.Metrics;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>Replica lifecycle instruments on the silo (meter <see cref="MeterName"/>), labelled by replica name.</summary>
public sealed class ReplicaMetrics : IDisposable
{
    public const string MeterName = "Orleans.LoadBalancer.Silo";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _restarts;
    private readonly Counter<long> _deaths;

    public ReplicaMetrics()
    {
        _restarts = _meter.CreateCounter<long>("lb.replica.restarts", "{restart}", "Replicas replaced after they died");
        _deaths = _meter.CreateCounter<long>("lb.replica.deaths", "{death}", "Replicas found dead by the health loop");
    }

    public void Restarted(string replica) => _restarts.Add(1, new KeyValuePair<string, object?>("replica", replica));

    public void Died(string replica) => _deaths.Add(1, new KeyValuePair<string, object?>("replica", replica));

    public void Dispose() => _meter.Dispose();
}
