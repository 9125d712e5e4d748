namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>Asks a replica's heartbeat endpoint whether it is alive. One shared connection pool for all probes.</summary>
public sealed class HeartbeatProbe : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(2),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>True when <c>GET {address}{path}</c> answers 2xx within <paramref name="timeout"/>.</summary>
    public async Task<bool> IsAliveAsync(string address, string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(address))
        {
            return false;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            using var response = await _client.GetAsync(address + path, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Polls until the replica answers or <paramref name="timeout"/> passes.</summary>
    public async Task<bool> WaitAliveAsync(string address, string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await IsAliveAsync(address, path, TimeSpan.FromSeconds(1), cancellationToken))
            {
                return true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }

        return false;
    }

    public void Dispose() => _client.Dispose();
}
