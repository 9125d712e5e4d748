namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>Receives a final response's header fields as <see cref="ResponseHeadParser"/> meets them (name without colon, value trimmed).</summary>
internal interface IResponseHeaderSink
{
    void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value);
}
