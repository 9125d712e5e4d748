using Orleans.LoadBalancer.Gateway.Proxy;
using Orleans.LoadBalancer.Gateway.Proxy.Upstream;

namespace Orleans.LoadBalancer.Gateway.FastLane;

/// <summary>
/// Composes the request head a replica gets from the fast lane, as the Kestrel lane's forwarder sends it: the
/// request line as it came, the replica's own <c>Host</c>, the client's fields but the <see cref="ExcludedHeaders"/>
/// and the forwarded ones, then <see cref="ForwardedHeaders"/>' fields, this gateway's <c>Via</c> entry, an empty
/// length where the Kestrel lane's client sends one, and a generated request id.
/// </summary>
internal static class UpstreamHead
{
    private static readonly byte[] ForwardedHostName = System.Text.Encoding.ASCII.GetBytes(ForwardedHeaders.Host + ": ");

    /// <summary>The client's <c>Host</c> and forwarded fields: the replica gets its own authority and <see cref="ForwardedHeaders"/>' values instead.</summary>
    private static readonly FieldNameSet Replaced = new(["Host", ForwardedHeaders.For, ForwardedHeaders.Proto, ForwardedHeaders.Host]);

    public static void Write(
        LeanConnection upstream, ReadOnlySpan<byte> head, in RequestHead request, byte[] hostLine, byte[] forwardedFor, byte[] via,
        ReadOnlySpan<byte> requestIdHeader, string? generatedKey)
    {
        upstream.Write(head[..request.Target.End.Value]);
        upstream.Write(" HTTP/1.1\r\n"u8);
        upstream.Write(hostLine);
        foreach (var field in new HeadFields(head))
        {
            var name = head[field.Name];
            if (Replaced.Contains(name) || ExcludedHeaders.Contains(name) || (generatedKey is not null && System.Text.Ascii.EqualsIgnoreCase(name, requestIdHeader)))
            {
                continue;
            }

            upstream.Write(head[field.Line]);
        }

        upstream.Write(forwardedFor);
        var host = head[request.Host];
        if (host.Length > 0)
        {
            upstream.Write(ForwardedHostName);
            upstream.Write(host);
            upstream.Write("\r\n"u8);
        }

        upstream.Write(via);
        if (request.Framing == BodyFraming.Chunked)
        {
            // The body goes on in chunks of the lane's own making, as the Kestrel lane's client sends a body of unknown length.
            upstream.Write("Transfer-Encoding: chunked\r\n"u8);
        }
        else if (request.ContentLength < 0 && SendsEmptyLength(head[..request.MethodLength]))
        {
            upstream.Write("Content-Length: 0\r\n"u8);
        }

        if (generatedKey is not null)
        {
            upstream.Write(requestIdHeader);
            upstream.Write(": "u8);
            var span = upstream.GetWriteSpan(generatedKey.Length);
            upstream.Advance(System.Text.Encoding.ASCII.GetBytes(generatedKey, span));
            upstream.Write("\r\n"u8);
        }

        upstream.Write("\r\n"u8);
    }

    /// <summary>
    /// SocketsHttpHandler, the Kestrel lane's client, sends <c>Content-Length: 0</c> for a request without a body unless
    /// its method is one that needs none (GET, HEAD, OPTIONS, DELETE).
    /// </summary>
    private static bool SendsEmptyLength(ReadOnlySpan<byte> method) =>
        !method.SequenceEqual("GET"u8) && !method.SequenceEqual("HEAD"u8) && !method.SequenceEqual("OPTIONS"u8) && !method.SequenceEqual("DELETE"u8);
}
