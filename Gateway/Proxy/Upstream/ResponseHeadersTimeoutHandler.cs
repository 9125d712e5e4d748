namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>
/// Bounds the wait for a replica's response head (<c>Gateway:ReplicaTimeout</c>), whichever client carries the request.
/// The limit comes with each request (<see cref="Limit"/>); its timer is gone once the head is in, so a slow body, a
/// stream or an upgraded connection is never cut by it. The forwarder takes the cancellation as a timeout (504).
/// </summary>
internal sealed class ResponseHeadersTimeoutHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    public static readonly HttpRequestOptionsKey<TimeSpan> Limit = new("Gateway.ResponseHeadersTimeout");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(Limit, out var limit) || limit <= TimeSpan.Zero)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            return await base.SendAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            throw new TaskCanceledException($"The replica sent no response head within {limit}", new TimeoutException(e.Message, e));
        }
    }
}
