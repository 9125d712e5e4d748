using System.Collections.Concurrent;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.Metrics;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// Passive health, local to this gateway (Envoy's outlier detection): counts each replica address's failures in a row
/// (502, 503, 504, or refused, reset, timed out) and, at <c>Gateway:Outlier:ConsecutiveFailures</c>, ejects it, by
/// marking it suspect in <see cref="ReplicaSuspects"/> for the ejection time, so that routing skips it as it skips any
/// suspect and its keys go to their next replicas. A success starts the count again. A request that saw no failure
/// anywhere since the gateway started costs one volatile read; after that, one dictionary read.
/// </summary>
internal sealed class OutlierDetector
{
    private readonly ConcurrentDictionary<string, Record> _byAddress = new(StringComparer.Ordinal);
    private readonly Lock _ejecting = new();
    private readonly ReplicaSuspects _suspects;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<OutlierDetector> _logger;
    private int _tracked;

    public OutlierDetector(ReplicaSuspects suspects, GatewayMetrics metrics, RingSnapshotStore store, ILogger<OutlierDetector> logger)
    {
        _suspects = suspects;
        _metrics = metrics;
        _logger = logger;
        store.Changed += (_, snapshot) => Forget(snapshot);
        metrics.ObserveEjected(replica => IsEjected(replica.Address, Environment.TickCount64));
    }

    /// <summary>The replica answered (anything but a failure): its failures in a row start again.</summary>
    public void Succeeded(RoutedReplica replica)
    {
        if (Volatile.Read(ref _tracked) > 0 && _byAddress.TryGetValue(replica.Address, out var record) && Volatile.Read(ref record.Failures) > 0)
        {
            Volatile.Write(ref record.Failures, 0);
        }
    }

    /// <summary>The replica failed a request: ejected when that makes <see cref="OutlierOptions.ConsecutiveFailures"/> in a row and the cap allows.</summary>
    public void Failed(RoutedReplica replica, RoutingSnapshot snapshot, OutlierOptions options)
    {
        if (options.ConsecutiveFailures == 0)
        {
            return;
        }

        var record = RecordOf(replica.Address);
        var now = Environment.TickCount64;
        // Answers to requests sent before it was ejected say nothing new.
        if (IsEjected(replica.Address, record, now) || Interlocked.Increment(ref record.Failures) < options.ConsecutiveFailures)
        {
            return;
        }

        TimeSpan ejectedFor;
        int ejection;
        lock (_ejecting)
        {
            if (IsEjected(replica.Address, record, now) || Volatile.Read(ref record.Failures) < options.ConsecutiveFailures)
            {
                return;
            }

            var ejected = snapshot.Replicas.Count(r => IsEjected(r.Address, now));
            if (ejected >= EjectionRules.MaxEjected(snapshot.Count, options.MaxEjectionPercent))
            {
                // The count stays: the next failure tries again, in case another ejection ended meanwhile.
                _logger.LogDebug("Replica {Replica} failed {Failures} requests in a row but {Ejected} replicas are ejected already", replica.Name, record.Failures, ejected);
                return;
            }

            ejection = EjectionRules.NextEjection(record.Ejections, record.EjectedUntil, now, options.BaseEjectionTime);
            ejectedFor = EjectionRules.EjectionTime(ejection, options.BaseEjectionTime, options.MaxEjectionTime);
            record.Ejections = ejection;
            record.EjectedUntil = now + (long)ejectedFor.TotalMilliseconds;
            Volatile.Write(ref record.Failures, 0);
        }

        _suspects.Mark(replica, ejectedFor);
        _metrics.Ejected(replica.Name);
        _logger.LogWarning(
            "Replica {Replica} at {Address} failed {Failures} requests in a row: ejected from this gateway's routing for {EjectedFor} ms (ejection {Ejection})",
            replica.Name, replica.Address, options.ConsecutiveFailures, (long)ejectedFor.TotalMilliseconds, ejection);
    }

    /// <summary>Whether the address is ejected now; the ring's word (a replica it brings back up) ends an ejection, as it ends any suspect mark.</summary>
    public bool IsEjected(string address, long nowMs) => _byAddress.TryGetValue(address, out var record) && IsEjected(address, record, nowMs);

    private bool IsEjected(string address, Record record, long nowMs) => nowMs < Volatile.Read(ref record.EjectedUntil) && _suspects.IsSuspect(address);

    private Record RecordOf(string address)
    {
        if (_byAddress.TryGetValue(address, out var record))
        {
            return record;
        }

        var added = new Record();
        record = _byAddress.GetOrAdd(address, added);
        if (ReferenceEquals(record, added))
        {
            Interlocked.Increment(ref _tracked);
        }

        return record;
    }

    /// <summary>Addresses the ring no longer has are forgotten, their history with them.</summary>
    private void Forget(RoutingSnapshot snapshot)
    {
        if (Volatile.Read(ref _tracked) == 0)
        {
            return;
        }

        var present = snapshot.Replicas.Select(r => r.Address).ToHashSet(StringComparer.Ordinal);
        foreach (var (address, record) in _byAddress)
        {
            if (!present.Contains(address) && _byAddress.TryRemove(new KeyValuePair<string, Record>(address, record)))
            {
                Interlocked.Decrement(ref _tracked);
            }
        }
    }

    private sealed class Record
    {
        public int Failures;
        public int Ejections;

        /// <summary><see cref="Environment.TickCount64"/> when the last ejection ends (or ended).</summary>
        public long EjectedUntil;
    }
}
