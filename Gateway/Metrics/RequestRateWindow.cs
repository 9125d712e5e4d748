using System.Collections.Concurrent;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.Metrics;

/// <summary>Requests per replica in one-second buckets over a sliding 10-second window, for the imbalance gauge.</summary>
internal sealed class RequestRateWindow(TimeProvider time)
{
    private const int Seconds = 10;

    private readonly ConcurrentDictionary<string, Buckets> _replicas = new(StringComparer.Ordinal);

    public void Count(string replica)
    {
        var second = time.GetUtcNow().ToUnixTimeSeconds();
        _replicas.GetOrAdd(replica, static _ => new Buckets()).Add(second);
    }

    public double Rate(string replica) =>
        _replicas.TryGetValue(replica, out var buckets) ? buckets.Sum(time.GetUtcNow().ToUnixTimeSeconds()) / (double)Seconds : 0;

    /// <summary>Max over mean of the replicas' request counts in the window; 1 when perfectly even, 0 when idle.</summary>
    public double Imbalance(RoutingSnapshot snapshot)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        long max = 0, total = 0;
        var count = 0;
        foreach (var replica in snapshot.Replicas)
        {
            if (!replica.IsRoutable)
            {
                continue;
            }

            var sum = _replicas.TryGetValue(replica.Name, out var buckets) ? buckets.Sum(now) : 0;
            max = Math.Max(max, sum);
            total += sum;
            count++;
        }

        return total == 0 ? 0 : max / ((double)total / count);
    }

    private sealed class Buckets
    {
        private readonly long[] _seconds = new long[Seconds];
        private readonly long[] _counts = new long[Seconds];

        public void Add(long second)
        {
            var slot = (int)(second % Seconds);
            if (Volatile.Read(ref _seconds[slot]) != second)
            {
                lock (this)
                {
                    if (_seconds[slot] != second)
                    {
                        _counts[slot] = 0;
                        Volatile.Write(ref _seconds[slot], second);
                    }
                }
            }

            Interlocked.Increment(ref _counts[slot]);
        }

        public long Sum(long now)
        {
            long sum = 0;
            for (var i = 0; i < Seconds; i++)
            {
                if (now - Volatile.Read(ref _seconds[i]) < Seconds)
                {
                    sum += Volatile.Read(ref _counts[i]);
                }
            }

            return sum;
        }
    }
}
