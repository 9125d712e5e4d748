using System.Net.Http.Headers;
using System.Text;

namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>
/// Puts a response head's fields on an <see cref="HttpResponseMessage"/> without validation, as SocketsHttpHandler
/// does: values decoded as Latin-1, content headers on the content, common names without a new string each time.
/// </summary>
internal struct ResponseMessageBuilder(HttpResponseMessage response, HttpContentHeaders contentHeaders) : IResponseHeaderSink
{
    private static readonly string[] KnownNames =
    [
        "Content-Type", "Content-Length", "Date", "Server", "Cache-Control", "ETag", "Last-Modified", "Location", "Set-Cookie",
        "Vary", "Expires", "Content-Encoding", "Content-Language", "Content-Disposition", "Accept-Ranges", "Age", "Pragma",
        "X-Replica", "X-Request-Id", "Retry-After", "Allow", "WWW-Authenticate", "Content-Range", "Content-Location",
        "Access-Control-Allow-Origin", "Strict-Transport-Security", "Alt-Svc", "Trailer",
    ];

    private static readonly byte[][] KnownNameBytes = [.. KnownNames.Select(Encoding.ASCII.GetBytes)];

    public readonly void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var nameText = NameOf(name);
        var valueText = value.Length == 0 ? string.Empty : Encoding.Latin1.GetString(value);
        if (!response.Headers.TryAddWithoutValidation(nameText, valueText))
        {
            contentHeaders.TryAddWithoutValidation(nameText, valueText);
        }
    }

    private static string NameOf(ReadOnlySpan<byte> name)
    {
        for (var i = 0; i < KnownNameBytes.Length; i++)
        {
            if (KnownNameBytes[i].Length == name.Length && Ascii.EqualsIgnoreCase(name, KnownNameBytes[i]))
            {
                return KnownNames[i];
            }
        }

        return Encoding.ASCII.GetString(name);
    }
}
