using System.Net;

namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>A response's content whose stream is the body on its connection (read once, as the forwarder does).</summary>
internal sealed class LeanResponseContent : HttpContent
{
    private LeanResponseStream? _body;

    /// <summary>Set once the head is parsed (the content, and so its headers, exist before).</summary>
    public LeanResponseStream Body
    {
        get => _body ?? throw new InvalidOperationException("The response head was not read");
        set => _body = value;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => Body.CopyToAsync(stream);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        Body.CopyToAsync(stream, cancellationToken);

    protected override Stream CreateContentReadStream(CancellationToken cancellationToken) => Body;

    protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult<Stream>(Body);

    protected override Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) => Task.FromResult<Stream>(Body);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _body?.Dispose();
        }

        base.Dispose(disposing);
    }
}
