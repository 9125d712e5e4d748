using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Orleans.LoadBalancer.Analysis;

/// <summary>The gateway's HTTP API, as the analysis drives it.</summary>
public sealed class GatewayClient(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, UseCookies = false, MaxConnectionsPerServer = 64 })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(60),
    };

    public HttpClient Http => _http;

    public async Task<List<string>> ReplicasAsync()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync("/rep"));
        return document.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    public async Task<(int Status, string Body)> SendAsync(HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Adds or removes random replicas until there are <paramref name="count"/>.</summary>
    public async Task ResizeAsync(int count)
    {
        var current = (await ReplicasAsync()).Count;
        if (current < count)
        {
            Ensure(await SendAsync(HttpMethod.Post, "/add", JsonSerializer.Serialize(new { n = count - current, hostnames = Array.Empty<string>() })));
        }
        else if (current > count)
        {
            Ensure(await SendAsync(HttpMethod.Delete, "/rm", JsonSerializer.Serialize(new { n = current - count, hostnames = Array.Empty<string>() })));
        }
    }

    public async Task SetAlgorithmAsync(string algorithm) =>
        Ensure(await SendAsync(HttpMethod.Put, "/ring/algorithm", JsonSerializer.Serialize(new { algorithm })));

    /// <summary>Sends <paramref name="keys"/> as X-Request-Id to <c>/home</c>, <paramref name="concurrency"/> at a time.</summary>
    public async Task<LoadResult> LoadAsync(IReadOnlyList<string> keys, int concurrency, Action<int>? progress = null)
    {
        var routes = new string?[keys.Count];
        var failures = 0;
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < keys.Count)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/home");
                    request.Headers.Add("X-Request-Id", keys[i]);
                    using var response = await _http.SendAsync(request);
                    if (response.IsSuccessStatusCode && response.Headers.TryGetValues("X-Replica", out var replica))
                    {
                        routes[i] = replica.Single();
                    }
                    else
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failures);
                }

                progress?.Invoke(1);
            }
        }));
        return new LoadResult(routes, failures, clock.Elapsed);
    }

    public static string[] RandomIds(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(100_000, 1_000_000).ToString(CultureInfo.InvariantCulture)).ToArray();
    }

    public void Dispose() => _http.Dispose();

    private static void Ensure((int Status, string Body) response)
    {
        if (response.Status != 200)
        {
            throw new InvalidOperationException($"The gateway answered {response.Status}: {response.Body}");
        }
    }
}

/// <summary>Which replica served each request (null when it failed).</summary>
public sealed record LoadResult(string?[] Routes, int Failures, TimeSpan Elapsed)
{
    public Dictionary<string, int> PerReplica() =>
        Routes.Where(r => r is not null).GroupBy(r => r!).ToDictionary(g => g.Key, g => g.Count());
}
