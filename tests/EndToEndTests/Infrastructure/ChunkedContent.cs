namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>A body sent without Content-Length (chunked), in small writes.</summary>
public sealed class ChunkedContent(byte[] body) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
    {
        for (var at = 0; at < body.Length; at += 16 * 1024)
        {
            await stream.WriteAsync(body.AsMemory(at, Math.Min(16 * 1024, body.Length - at)));
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
