using System.Net.Http.Headers;
using System.Text;

namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>
/// Puts a response head's fields on an <see cref="HttpResponseMessage"/> without validation, as SocketsHttpHandler
/// does: values decoded as Latin-1, content headers on the content, common names without a new string each time.
/// </summary>
/// <param name="lastValues">The connection's last value of each known header: a replica sends the same ones again and again.</param>
internal struct ResponseMessageBuilder(HttpResponseMessage response, HttpContentHeaders contentHeaders, string?[] lastValues) : IResponseHeaderSink
{
    private static readonly string[] KnownNames =
    [
        "Content-Type", "Content-Length", "Date", "Server", "Cache-Control", "ETag", "Last-Modified", "Location", "Set-Cookie",
        "Vary", "Expires", "Content-Encoding", "Content-Language", "Content-Disposition", "Accept-Ranges", "Age", "Pragma",
        "X-Replica", "X-Request-Id", "Retry-After", "Allow", "WWW-Authenticate", "Content-Range", "Content-Location",
        "Access-Control-Allow-Origin", "Strict-Transport-Security", "Alt-Svc", "Trailer",
    ];

    private static readonly byte[][] KnownNameBytes = [.. KnownNames.Select(Encoding.ASCII.GetBytes)];

    /// <summary>How many known names there are, for the size of a connection's value cache.</summary>
    public static int KnownCount => KnownNames.Length;

    public readonly void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var known = IndexOf(name);
        var nameText = known >= 0 ? KnownNames[known] : Encoding.ASCII.GetString(name);
        string valueText;
        if (value.Length == 0)
        {
            valueText = string.Empty;
        }
        else if (known >= 0 && lastValues[known] is { } last && last.Length == value.Length && Ascii.Equals(value, last))
        {
            valueText = last;
        }
        else
        {
            valueText = Encoding.Latin1.GetString(value);
            if (known >= 0)
            {
                lastValues[known] = valueText;
            }
        }

        if (!response.Headers.TryAddWithoutValidation(nameText, valueText))
        {
            contentHeaders.TryAddWithoutValidation(nameText, valueText);
        }
    }

    private static int IndexOf(ReadOnlySpan<byte> name)
    {
        for (var i = 0; i < KnownNameBytes.Length; i++)
        {
            if (KnownNameBytes[i].Length == name.Length && Ascii.EqualsIgnoreCase(name, KnownNameBytes[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
