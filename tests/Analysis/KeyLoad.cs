namespace Orleans.LoadBalancer.Analysis;

/// <summary>Sends each key once as <c>X-Request-Id</c> to <c>GET /home</c>, a fixed number in flight, and notes who served it.</summary>
public static class KeyLoad
{
    public static async Task<LoadResult> RunAsync(HttpClient http, IReadOnlyList<string> keys, int concurrency, Action onEach, CancellationToken cancellationToken)
    {
        var routes = new string?[keys.Count];
        var failures = 0;
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < keys.Count)
            {
                routes[i] = await SendAsync(http, keys[i], cancellationToken);
                if (routes[i] is null)
                {
                    Interlocked.Increment(ref failures);
                }

                onEach();
            }
        }));
        return new LoadResult(routes, failures);
    }

    /// <summary>The replica that answered, or null when the request failed.</summary>
    private static async Task<string?> SendAsync(HttpClient http, string key, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/home");
            request.Headers.Add("X-Request-Id", key);
            using var response = await http.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode && response.Headers.TryGetValues("X-Replica", out var replica) ? replica.FirstOrDefault() : null;
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }
}

/// <summary>Which replica served each key (null when it failed).</summary>
public sealed record LoadResult(string?[] Routes, int Failures)
{
    /// <summary>Requests per replica, with a zero for each of <paramref name="names"/> that served none.</summary>
    public IReadOnlyDictionary<string, int> PerReplica(IEnumerable<string> names)
    {
        var counts = names.ToDictionary(n => n, _ => 0, StringComparer.Ordinal);
        foreach (var route in Routes)
        {
            if (route is not null)
            {
                counts[route] = counts.GetValueOrDefault(route) + 1;
            }
        }

        return counts;
    }
}
