using System.Diagnostics;

namespace Orleans.LoadBalancer.Benchmarks.Fanout;

/// <summary>When each of <c>count</c> followers first routes on an expected version, and when the last of them did.</summary>
internal sealed class Arrival(int count)
{
    private readonly long[] _seen = new long[count];
    private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _target = long.MaxValue;
    private long _last;
    private int _remaining;

    public Task Done => Volatile.Read(ref _done).Task;

    /// <summary>The timestamp at which the last follower installed the expected version.</summary>
    public long Last => Interlocked.Read(ref _last);

    public void Expect(long version)
    {
        Volatile.Write(ref _done, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        Interlocked.Exchange(ref _last, 0);
        Volatile.Write(ref _remaining, count);
        Volatile.Write(ref _target, version);
    }

    public void Installed(int follower, long version)
    {
        var target = Volatile.Read(ref _target);
        if (version < target || Interlocked.Exchange(ref _seen[follower], target) == target)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        for (var last = Interlocked.Read(ref _last); now > last; last = Interlocked.Read(ref _last))
        {
            if (Interlocked.CompareExchange(ref _last, now, last) == last)
            {
                break;
            }
        }

        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            Volatile.Read(ref _done).TrySetResult();
        }
    }
}
