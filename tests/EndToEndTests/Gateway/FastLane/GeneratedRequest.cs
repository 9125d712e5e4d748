using System.Security.Cryptography;
using System.Text;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.FastLane;

/// <summary>
/// One generated request, as bytes: its head ends at <see cref="BodyStart"/>. <see cref="Abort"/>: the client sends its
/// head and part of its body, then resets the connection. <see cref="BodySha256"/> is that of the decoded body.
/// </summary>
internal sealed record GeneratedRequest(
    string Case, string Method, byte[] Bytes, int BodyStart, long BodyLength, string BodySha256, bool Chunked, bool HasRequestId, bool Close, bool Abort)
{
    public bool IsHead => Method == "HEAD";

    public string RequestLine => Encoding.Latin1.GetString(Bytes, 0, Array.IndexOf(Bytes, (byte)'\r'));

    /// <summary>The head as text (escaped) and what follows it, for a failure message.</summary>
    public string Describe() =>
        Encoding.Latin1.GetString(Bytes, 0, BodyStart).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n\n    ", StringComparison.Ordinal)
        + $"[{(Chunked ? "chunked " : "")}body {BodyLength} B, sha256 {BodySha256[..16]}…{(Abort ? ", aborted mid-body" : "")}]";

    public static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}

/// <summary>Requests one client connection sends: groups written at once (pipelined when a group holds several).</summary>
internal sealed record ClientScript(int Id, IReadOnlyList<IReadOnlyList<GeneratedRequest>> Groups)
{
    public IEnumerable<GeneratedRequest> Requests => Groups.SelectMany(g => g);
}
