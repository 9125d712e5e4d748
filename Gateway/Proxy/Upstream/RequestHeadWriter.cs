using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>
/// Composes an HTTP/1.1 request head in a connection's write buffer, as SocketsHttpHandler would send it (the same
/// <c>Host</c>, the same joined values, the same framing headers), or declines a request this client does not take:
/// an upgrade, <c>Expect: 100-continue</c>, a header it could not write as ASCII.
/// </summary>
internal static class RequestHeadWriter
{
    /// <summary>Framing the body will be sent with.</summary>
    public enum Framing
    {
        None,
        ContentLength,
        Chunked,
    }

    /// <summary>Writes the head; false when the request must go through SocketsHttpHandler instead (nothing is then kept).</summary>
    public static bool TryWrite(LeanConnection connection, HttpRequestMessage request, out Framing framing, out long contentLength)
    {
        framing = Framing.None;
        contentLength = 0;
        var uri = request.RequestUri!;
        var method = request.Method.Method;
        var target = uri.PathAndQuery;
        if (!Ascii.IsValid(method) || !IsWritable(target) || target.Contains(' ', StringComparison.Ordinal))
        {
            return false;
        }

        WriteAscii(connection, method);
        connection.Write(" "u8);
        WriteAscii(connection, target);
        connection.Write(" HTTP/1.1\r\n"u8);
        var hostWritten = false;
        foreach (var header in request.Headers.NonValidated)
        {
            var name = header.Key;
            switch (Classify(name))
            {
                case Field.Skipped:
                    continue;
                case Field.Declined:
                    return false;
                case Field.Host:
                    hostWritten = true;
                    break;
            }

            if (!TryWriteField(connection, name, Joined(header.Value)))
            {
                return false;
            }
        }

        if (!hostWritten)
        {
            // The forwarder leaves Host to the client, which takes it from the replica's address.
            connection.Write(connection.Pool.HostHeader);
        }

        var content = request.Content;
        if (content is not null)
        {
            foreach (var header in content.Headers.NonValidated)
            {
                if (!IsNamed(header.Key, "Content-Length") && !TryWriteField(connection, header.Key, Joined(header.Value)))
                {
                    return false;
                }
            }

            if (content.Headers.ContentLength is { } length)
            {
                framing = Framing.ContentLength;
                contentLength = length;
                connection.Write("Content-Length: "u8);
                WriteNumber(connection, length);
                connection.Write("\r\n"u8);
            }
            else
            {
                framing = Framing.Chunked;
                connection.Write("Transfer-Encoding: chunked\r\n"u8);
            }
        }
        else if (MustHaveBody(request.Method))
        {
            connection.Write("Content-Length: 0\r\n"u8);
        }

        connection.Write("\r\n"u8);
        return true;
    }

    /// <summary>SocketsHttpHandler sends <c>Content-Length: 0</c> for a body-less request of any method but these.</summary>
    private static bool MustHaveBody(HttpMethod method) =>
        method != HttpMethod.Get && method != HttpMethod.Head && method != HttpMethod.Connect && method != HttpMethod.Options && method != HttpMethod.Delete;

    private enum Field
    {
        Written,
        Host,
        Skipped,
        Declined,
    }

    private static bool IsNamed(string name, string known) => string.Equals(name, known, StringComparison.OrdinalIgnoreCase);

    /// <summary>Connection-level fields are the client's own to write; an upgrade or <c>Expect</c> is not this client's to send.</summary>
    private static Field Classify(string name) => name.Length switch
    {
        4 when IsNamed(name, "Host") => Field.Host,
        6 when IsNamed(name, "Expect") => Field.Declined,
        7 when IsNamed(name, "Upgrade") => Field.Declined,
        10 when IsNamed(name, "Connection") || IsNamed(name, "Keep-Alive") => Field.Skipped,
        14 when IsNamed(name, "Content-Length") => Field.Skipped,
        16 when IsNamed(name, "Proxy-Connection") => Field.Skipped,
        17 when IsNamed(name, "Transfer-Encoding") => Field.Skipped,
        _ => Field.Written,
    };

    /// <summary>One value as is; several joined as SocketsHttpHandler joins them (", ", or " " for User-Agent).</summary>
    private static string Joined(HeaderStringValues values)
    {
        if (values.Count == 1)
        {
            foreach (var value in values)
            {
                return value;
            }
        }

        return values.ToString();
    }

    private static bool TryWriteField(LeanConnection connection, string name, string value)
    {
        if (name.Length == 0 || !IsWritable(name) || name.AsSpan().IndexOfAny(": \t") >= 0 || !IsWritable(value))
        {
            return false;
        }

        WriteAscii(connection, name);
        connection.Write(": "u8);
        WriteAscii(connection, value);
        connection.Write("\r\n"u8);
        return true;
    }

    private static void WriteAscii(LeanConnection connection, string text)
    {
        var span = connection.GetWriteSpan(text.Length);
        var written = Encoding.ASCII.GetBytes(text, span);
        connection.Advance(written);
    }

    private static void WriteNumber(LeanConnection connection, long value)
    {
        var span = connection.GetWriteSpan(20);
        value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        connection.Advance(written);
    }

    /// <summary>Printable ASCII and tabs only: no CR, LF, NUL or anything beyond ASCII (SocketsHttpHandler refuses those too).</summary>
    private static bool IsWritable(ReadOnlySpan<char> text)
    {
        var bad = text.IndexOfAnyExceptInRange(' ', '~');
        while (bad >= 0)
        {
            if (text[bad] != '\t')
            {
                return false;
            }

            text = text[(bad + 1)..];
            bad = text.IndexOfAnyExceptInRange(' ', '~');
        }

        return true;
    }
}
