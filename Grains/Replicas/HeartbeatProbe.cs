using System.Net;
using System.Security.Cryptography.X509Certificates;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>
/// Asks a replica's heartbeat endpoint whether it is alive. One shared connection pool for all probes. With a
/// <c>Via</c> entry (the replica manager's, <see cref="Orleans.LoadBalancer.Replicas.ClusterVia"/>), a probe that reaches
/// a gateway of the cluster is answered 508 there and fails: an external replica whose address leads back to a gateway
/// stays down.
/// </summary>
public sealed class HeartbeatProbe : IDisposable
{
    private readonly HttpClient _client;

    /// <param name="via">The <c>Via</c> entry every probe carries.</param>
    /// <param name="replicaTrust">How an <c>https</c> replica's certificate is checked (<c>ReplicaTls:CaFile</c>); null: the system's trust store.</param>
    public HeartbeatProbe(string? via = null, X509ChainPolicy? replicaTrust = null)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        handler.SslOptions.CertificateChainPolicy = replicaTrust;
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        if (via is not null)
        {
            _client.DefaultRequestHeaders.TryAddWithoutValidation(Orleans.LoadBalancer.Replicas.ClusterVia.Header, via);
        }
    }

    /// <summary>True when <c>GET {address}{path}</c> answers 2xx within <paramref name="timeout"/>.</summary>
    public async Task<bool> IsAliveAsync(string address, string path, TimeSpan timeout, CancellationToken cancellationToken) =>
        await ProbeAsync(address, path, timeout, cancellationToken) == HeartbeatResult.Alive;

    /// <summary>
    /// Probes once: alive, refused (nothing listens: the process is gone), or failed (error or no answer in time).
    /// Alive means a status in <paramref name="alive"/>, 2xx when not given.
    /// The probe speaks <paramref name="protocol"/>, as the gateways do to that replica: an HTTP/2-only server is probed over HTTP/2.
    /// </summary>
    public async Task<HeartbeatResult> ProbeAsync(
        string address, string path, TimeSpan timeout, CancellationToken cancellationToken, HealthStatusRange? alive = null, ReplicaProtocol protocol = ReplicaProtocol.Http1)
    {
        if (string.IsNullOrEmpty(address))
        {
            return HeartbeatResult.Refused;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, address + path);
            if (protocol != ReplicaProtocol.Http1)
            {
                request.Version = HttpVersion.Version20;
                request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
            }

            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            var status = (int)response.StatusCode;
            return (alive ?? HealthStatusRange.Success).Contains(status) ? HeartbeatResult.Alive : HeartbeatResult.Failed;
        }
        catch (HttpRequestException ex) when (ex.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused })
        {
            return HeartbeatResult.Refused;
        }
        catch (HttpRequestException)
        {
            return HeartbeatResult.Failed;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HeartbeatResult.Failed;
        }
    }

    /// <summary>
    /// Polls until the replica answers (true), or until <paramref name="timeout"/> passes or <paramref name="gaveUp"/>,
    /// asked every 500 ms, says it never will (false).
    /// </summary>
    public async Task<bool> WaitAliveAsync(
        string address, string path, TimeSpan timeout, CancellationToken cancellationToken, Func<Task<bool>>? gaveUp = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var nextCheck = DateTime.UtcNow;
        while (!await IsAliveAsync(address, path, TimeSpan.FromSeconds(1), cancellationToken))
        {
            var now = DateTime.UtcNow;
            if (gaveUp is not null && now >= nextCheck)
            {
                nextCheck = now + TimeSpan.FromMilliseconds(500);
                if (await gaveUp())
                {
                    return false;
                }
            }

            if (now >= deadline)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }

        return true;
    }

    public void Dispose() => _client.Dispose();
}
