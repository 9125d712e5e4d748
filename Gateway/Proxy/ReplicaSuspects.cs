using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Hosting;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// Replicas this gateway saw fail (connection refused, reset, timed out): skipped for a short while, and reported to
/// the ReplicaManagerGrain so its health loop looks at them at once. Costs one volatile read per request while empty.
/// </summary>
public sealed class ReplicaSuspects(IClusterClient client, IOptions<GatewayOptions> options, ILogger<ReplicaSuspects> logger)
{
    private readonly ConcurrentDictionary<string, long> _until = new(StringComparer.Ordinal);
    private readonly long _suspectForMs = (long)options.Value.SuspectFor.TotalMilliseconds;
    private int _count;

    public bool IsEmpty => Volatile.Read(ref _count) == 0;

    public bool IsSuspect(string replica)
    {
        if (IsEmpty || !_until.TryGetValue(replica, out var until))
        {
            return false;
        }

        if (Environment.TickCount64 < until)
        {
            return true;
        }

        if (_until.TryRemove(new KeyValuePair<string, long>(replica, until)))
        {
            Interlocked.Decrement(ref _count);
        }

        return false;
    }

    /// <summary>Marks <paramref name="replica"/> suspect; returns true when it was not already.</summary>
    public bool Mark(string replica)
    {
        var until = Environment.TickCount64 + _suspectForMs;
        var added = false;
        _until.AddOrUpdate(replica, _ => { added = true; return until; }, (_, _) => until);
        if (!added)
        {
            return false;
        }

        Interlocked.Increment(ref _count);
        logger.LogWarning("Replica {Replica} is suspect for {SuspectFor} ms", replica, _suspectForMs);
        _ = ReportAsync(replica);
        return true;
    }

    private async Task ReportAsync(string replica)
    {
        try
        {
            await client.GetGrain<IReplicaManagerGrain>(RingKeys.Default).ReportSuspect(replica);
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Could not report suspect replica {Replica}", replica);
        }
    }
}
