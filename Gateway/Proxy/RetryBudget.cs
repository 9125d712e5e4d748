namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// How many retries this gateway may make now (Envoy's retry budget, over a window of requests rather than of
/// concurrency): at most a share of the requests of the last 10 seconds, or a minimum whatever the traffic, so retries
/// cannot multiply the load on a cluster that is failing. Ten one-second buckets of counters; no lock and no allocation.
/// Bucket turnover is not atomic with the counts, so a count racing it may land in the old second: a budget, not a ledger.
/// </summary>
internal sealed class RetryBudget
{
    public const int WindowSeconds = 10;

    private readonly long[] _seconds = new long[WindowSeconds];
    private readonly long[] _requests = new long[WindowSeconds];
    private readonly long[] _retries = new long[WindowSeconds];

    /// <summary>Counts a request (its first attempt) at <paramref name="nowMs"/> (milliseconds, <see cref="Environment.TickCount64"/>).</summary>
    public void CountRequest(long nowMs) => Interlocked.Increment(ref _requests[Bucket(nowMs)]);

    /// <summary>Takes a retry from the budget when the window holds fewer retries than it allows; false (nothing taken) when spent.</summary>
    public bool TryTakeRetry(long nowMs, int percent, int minRetries)
    {
        var bucket = Bucket(nowMs);
        var second = nowMs / 1000;
        long requests = 0, retries = 0;
        for (var i = 0; i < WindowSeconds; i++)
        {
            if (second - Volatile.Read(ref _seconds[i]) < WindowSeconds)
            {
                requests += Volatile.Read(ref _requests[i]);
                retries += Volatile.Read(ref _retries[i]);
            }
        }

        if (retries >= Allowed(requests, percent, minRetries))
        {
            return false;
        }

        Interlocked.Increment(ref _retries[bucket]);
        return true;
    }

    /// <summary>Retries a window of <paramref name="requests"/> requests allows.</summary>
    public static long Allowed(long requests, int percent, int minRetries) => Math.Max(minRetries, requests * percent / 100);

    /// <summary>The bucket of <paramref name="nowMs"/>'s second, emptied first when it last held an older second.</summary>
    private int Bucket(long nowMs)
    {
        var second = nowMs / 1000;
        var bucket = (int)(second % WindowSeconds);
        var held = Volatile.Read(ref _seconds[bucket]);
        if (held != second && Interlocked.CompareExchange(ref _seconds[bucket], second, held) == held)
        {
            Interlocked.Exchange(ref _requests[bucket], 0);
            Interlocked.Exchange(ref _retries[bucket], 0);
        }

        return bucket;
    }
}
