using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// A bounded load through a gateway: a fixed number of GET requests from a fixed number of concurrent clients,
/// each with a random 6-digit <c>X-Request-Id</c>, with a time cap. Records failures and latencies.
/// </summary>
public sealed class LoadRun
{
    private readonly ConcurrentBag<string> _failures = [];
    private readonly ConcurrentBag<double> _latenciesMs = [];
    private readonly ConcurrentBag<double> _retriedMs = [];
    private int _completed;

    public int Completed => Volatile.Read(ref _completed);

    public IReadOnlyCollection<string> Failures => _failures;

    public IReadOnlyList<double> LatenciesMs => _latenciesMs.Order().ToList();

    /// <summary>Latencies of the requests the gateway retried on another replica (<c>X-Attempts</c> above 1), sorted.</summary>
    public IReadOnlyList<double> RetriedMs => _retriedMs.Order().ToList();

    public static LoadRun Start(GatewayEndpoint gateway, int requests, int clients, TimeSpan cap, out Task running, string path = "/home") =>
        Start([gateway], requests, clients, cap, out running, path);

    public static LoadRun Start(IReadOnlyList<GatewayEndpoint> gateways, int requests, int clients, TimeSpan cap, out Task running, string path = "/home")
    {
        var run = new LoadRun();
        var next = 0;
        // Not disposed here: the clients read it after Start returns; it ends with its timer.
        var deadline = new CancellationTokenSource(cap);
        var token = deadline.Token;
        running = Task.WhenAll(Enumerable.Range(0, clients).Select(async client =>
        {
            var random = new Random(client);
            var gateway = gateways[client % gateways.Count];
            while (Interlocked.Increment(ref next) <= requests && !token.IsCancellationRequested)
            {
                var id = random.Next(100_000, 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Add("X-Request-Id", id);
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await gateway.Http.SendAsync(request, CancellationToken.None);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        run._failures.Add($"{id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }

                    if (response.Headers.Contains("X-Attempts"))
                    {
                        run._retriedMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                }
                catch (Exception ex)
                {
                    run._failures.Add($"{id}: {ex.GetType().Name} {ex.Message}");
                }

                run._latenciesMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Increment(ref run._completed);
            }
        }));
        return run;
    }

    /// <summary>"all: p50 …, p99 …; retried (n): p50 …, p99 …" for a test's output.</summary>
    public string Summary()
    {
        var all = LatenciesMs;
        var retried = RetriedMs;
        return $"p50 {Percentile(all, 0.5):0.00} ms, p99 {Percentile(all, 0.99):0.00} ms, max {(all.Count > 0 ? all[^1] : double.NaN):0.0} ms; "
            + $"{retried.Count} retried on another replica: p50 {Percentile(retried, 0.5):0.00} ms, p99 {Percentile(retried, 0.99):0.00} ms";
    }

    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
