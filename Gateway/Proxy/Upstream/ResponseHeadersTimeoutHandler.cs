using System.Net;

namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>
/// Bounds the wait for a replica's response head (<c>Gateway:ReplicaTimeout</c>), whichever client carries the request.
/// The limit comes with each request (<see cref="Limit"/>) and counts from the end of the upload (nginx's
/// <c>proxy_read_timeout</c> starts there too), so a large body sent slowly is not cut by it; its timer is gone once the
/// head is in, so neither is a slow body, a stream or an upgraded connection. The forwarder takes the cancellation as
/// a timeout (504).
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
        if (request.Content is { } body)
        {
            request.Content = new UploadThenTimeout(body, timeout, limit);
        }
        else
        {
            timeout.CancelAfter(limit);
        }

        try
        {
            return await base.SendAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            throw new TaskCanceledException($"The replica sent no response head within {limit} of the request", new TimeoutException(e.Message, e));
        }
    }

    /// <summary>The request's body as it is, arming the head's timer once the last byte is sent.</summary>
    private sealed class UploadThenTimeout : HttpContent
    {
        private readonly HttpContent _body;
        private readonly CancellationTokenSource _timeout;
        private readonly TimeSpan _limit;

        public UploadThenTimeout(HttpContent body, CancellationTokenSource timeout, TimeSpan limit)
        {
            (_body, _timeout, _limit) = (body, timeout, limit);
            foreach (var header in body.Headers.NonValidated)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await _body.CopyToAsync(stream, context, cancellationToken).ConfigureAwait(false);
            try
            {
                _timeout.CancelAfter(_limit);
            }
            catch (ObjectDisposedException)
            {
                // The head came before the upload ended.
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _body.Headers.ContentLength ?? 0;
            return _body.Headers.ContentLength is not null;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _body.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
