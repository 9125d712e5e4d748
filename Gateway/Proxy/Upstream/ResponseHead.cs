namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>How the body after a response head is delimited (RFC 9112 §6.3).</summary>
public enum BodyFraming
{
    /// <summary>No body: HEAD, 204, 304, or <c>Content-Length: 0</c>.</summary>
    None,

    ContentLength,

    Chunked,

    /// <summary>No length and no chunking: the body runs until the replica closes the connection.</summary>
    UntilClose,
}

/// <summary>
/// A parsed response head: what framing needs, nothing more. <paramref name="HeadLength"/> is the length of the head
/// with its final CRLF; <paramref name="ReasonStart"/>/<paramref name="ReasonLength"/> locate the reason phrase in it.
/// </summary>
internal readonly record struct ResponseHead(
    int StatusCode,
    int MinorVersion,
    BodyFraming Framing,
    long ContentLength,
    bool KeepAlive,
    int HeadLength,
    int ReasonStart,
    int ReasonLength);
