using System.Collections.Concurrent;
using System.Net;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// A load that runs until it is stopped (or its cap runs out): a few clients, each sending one GET at a time with a
/// pause between, each with a random 6-digit <c>X-Request-Id</c>. Counts requests and keeps what failed.
/// </summary>
public sealed class SteadyLoad : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly CancellationTokenSource _stop;
    private readonly Task _running;
    private int _sent;

    private SteadyLoad(HttpClient http, int clients, TimeSpan pause, TimeSpan cap)
    {
        _stop = new CancellationTokenSource(cap);
        _running = Task.WhenAll(Enumerable.Range(0, clients).Select(client => RunClientAsync(http, client, pause, _stop.Token)));
    }

    public int Sent => Volatile.Read(ref _sent);

    public IReadOnlyCollection<string> Failures => _failures;

    /// <summary>Starts <paramref name="clients"/> clients on <paramref name="http"/> (its base address is the gateway).</summary>
    public static SteadyLoad Start(HttpClient http, int clients = 8, int pauseMs = 2, TimeSpan? cap = null) =>
        new(http, clients, TimeSpan.FromMilliseconds(pauseMs), cap ?? TimeSpan.FromMinutes(3));

    /// <summary>Stops sending, waits for the requests in flight and returns (sent, failed).</summary>
    public async Task<(int Sent, int Failed)> StopAsync()
    {
        await _stop.CancelAsync();
        await _running;
        return (Sent, _failures.Count);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task RunClientAsync(HttpClient http, int client, TimeSpan pause, CancellationToken stop)
    {
        var random = new Random(client);
        while (!stop.IsCancellationRequested)
        {
            var id = random.Next(100_000, 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var request = new HttpRequestMessage(HttpMethod.Get, "/home");
            request.Headers.Add("X-Request-Id", id);
            try
            {
                // Not cancelled by the stop: a request once sent is waited for and counted.
                using var response = await http.SendAsync(request, CancellationToken.None);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    _failures.Enqueue($"{DateTime.Now:HH:mm:ss.fff} {id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                _failures.Enqueue($"{DateTime.Now:HH:mm:ss.fff} {id}: {ex.GetType().Name} {ex.Message}");
            }

            Interlocked.Increment(ref _sent);
            try
            {
                await Task.Delay(pause, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
