using System.Collections.Concurrent;
using System.Diagnostics;

namespace Orleans.LoadBalancer.Analysis;

/// <summary>One request of a stream: its key (index into the pool), when it left and came back, and who answered.</summary>
/// <param name="Status">The HTTP status, or 0 when no response came back.</param>
public sealed record Sample(int Key, double StartMs, double EndMs, int Status, string? Replica)
{
    public bool Succeeded => Status is >= 200 and < 300 && Replica is not null;

    public double LatencyMs => EndMs - StartMs;
}

/// <summary>Requests for keys of a pool, round and round, a fixed number in flight, until told to stop.</summary>
public sealed class StreamLoad(HttpClient http, IReadOnlyList<string> pool, int concurrency, Stopwatch clock)
{
    private readonly ConcurrentQueue<Sample> _samples = new();
    private int _sent;
    private int _completed;
    private volatile bool _stopping;

    public int Sent => Volatile.Read(ref _sent);

    public int Completed => Volatile.Read(ref _completed);

    public IReadOnlyList<Sample> Samples => [.. _samples];

    /// <summary>Runs until <see cref="Stop"/>; requests in flight then finish, none is cut off.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => WorkAsync(cancellationToken)));

    public void Stop() => _stopping = true;

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        while (!_stopping && !cancellationToken.IsCancellationRequested)
        {
            var key = (Interlocked.Increment(ref _sent) - 1) % pool.Count;
            var start = clock.Elapsed.TotalMilliseconds;
            int status;
            string? replica = null;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/home");
                request.Headers.Add("X-Request-Id", pool[key]);
                using var response = await http.SendAsync(request, cancellationToken);
                status = (int)response.StatusCode;
                replica = response.Headers.TryGetValues("X-Replica", out var values) ? values.FirstOrDefault() : null;
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                status = 0;
            }

            _samples.Enqueue(new Sample(key, start, clock.Elapsed.TotalMilliseconds, status, replica));
            Interlocked.Increment(ref _completed);
        }
    }
}
