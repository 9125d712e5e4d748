using System.Buffers;
using Orleans.LoadBalancer.Gateway.Http1;
using Orleans.LoadBalancer.Gateway.Proxy.Upstream;

namespace Orleans.LoadBalancer.Gateway.FastLane;

/// <summary>What <see cref="RequestHeadReader.Read"/> made of the bytes at the start of a connection's input.</summary>
internal enum RequestHeadVerdict
{
    /// <summary>Nothing decided yet: read more and ask again with all the bytes.</summary>
    Incomplete,

    /// <summary>A head the fast lane may handle.</summary>
    Take,

    /// <summary>Not plainly safe: Kestrel's HTTP pipeline gets the connection, these bytes unconsumed, for good.</summary>
    HandOver,
}

/// <summary>
/// Decides whether the fast lane takes a request, from its head alone, without consuming anything. It takes only what
/// every HTTP/1.1 party reads the same way: <c>HTTP/1.1</c>; an origin-form target; a token method; token field names
/// with values of visible ASCII, spaces and tabs; CRLF line ends (no bare CR or LF, no NUL, no obs-fold); exactly one
/// <c>Host</c>; framing that cannot be read two ways (no body, exactly one <c>Content-Length</c> of digits, or
/// <c>Transfer-Encoding: chunked</c> alone with no <c>Content-Length</c>); no <c>Upgrade</c>, <c>Expect</c> or
/// <c>HTTP2-Settings</c>; <c>Connection</c> only <c>keep-alive</c> or <c>close</c>; within Kestrel's head limits.
/// Everything else is <see cref="RequestHeadVerdict.HandOver"/>, so that every request gets either this strict reading
/// or Kestrel's, never a third.
/// </summary>
internal static class RequestHeadReader
{
    // Visible ASCII, SP, HTAB, CR and LF: any other byte in a head (NUL, other controls, DEL, 0x80 and up) hands it over.
    private static readonly SearchValues<byte> HeadBytes = SearchValues.Create(
        "\t\n\r !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"u8);

    // Letters, digits, '-', '.', '_', '~': a DNS name or an IPv4 address, without percent-encoding or sub-delims.
    private static readonly SearchValues<byte> NameChars =
        SearchValues.Create("-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~"u8);

    private static readonly SearchValues<byte> Ipv6Chars = SearchValues.Create(".0123456789:ABCDEFabcdef"u8);

    private static ReadOnlySpan<byte> Version => " HTTP/1.1"u8;

    /// <summary>Reads the head at the start of <paramref name="buffer"/>.</summary>
    public static RequestHeadVerdict Read(ReadOnlySpan<byte> buffer, in RequestHeadLimits limits, out RequestHead head)
    {
        head = default;

        // A head within the limits is at most line + fields bytes long: looking one byte further is enough to know it is
        // not, so a call's work is bounded by the limits, never by how much the client sent.
        var window = buffer[..Math.Min(buffer.Length, limits.MaxRequestLineSize + limits.MaxRequestHeadersTotalSize + 1)];
        var end = window.IndexOf("\r\n\r\n"u8);
        var scanned = end < 0 ? window : window[..(end + 4)];
        if (scanned.ContainsAnyExcept(HeadBytes) || !LineEndsAreCrlf(scanned))
        {
            return RequestHeadVerdict.HandOver;
        }

        var lineEnd = scanned.IndexOf("\r\n"u8);
        if (lineEnd < 0)
        {
            return window.Length > limits.MaxRequestLineSize ? RequestHeadVerdict.HandOver : RequestHeadVerdict.Incomplete;
        }

        if (lineEnd + 2 > limits.MaxRequestLineSize || !TryReadRequestLine(scanned[..lineEnd], out var methodLength, out var target))
        {
            return RequestHeadVerdict.HandOver;
        }

        if (end < 0)
        {
            return window.Length - (lineEnd + 2) > limits.MaxRequestHeadersTotalSize ? RequestHeadVerdict.HandOver : RequestHeadVerdict.Incomplete;
        }

        var fieldsStart = lineEnd + 2;
        if (end + 4 - fieldsStart > limits.MaxRequestHeadersTotalSize)
        {
            return RequestHeadVerdict.HandOver;
        }

        if (!TryReadFields(buffer, fieldsStart, end + 2, limits.MaxRequestHeaderCount, out var host, out var framing, out var length, out var close))
        {
            return RequestHeadVerdict.HandOver;
        }

        head = new RequestHead(end + 4, methodLength, target, host, framing, length, close);
        return RequestHeadVerdict.Take;
    }

    /// <summary>Every CR is followed by LF and every LF follows a CR (a CR last in the bytes may still get its LF).</summary>
    private static bool LineEndsAreCrlf(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        while (true)
        {
            var at = bytes[offset..].IndexOfAny((byte)'\r', (byte)'\n');
            if (at < 0)
            {
                return true;
            }

            at += offset;
            if (bytes[at] == '\n' || (at + 1 < bytes.Length && bytes[at + 1] != '\n'))
            {
                return false;
            }

            offset = at + 2;
            if (offset >= bytes.Length)
            {
                return true;
            }
        }
    }

    /// <summary><c>token SP origin-form SP "HTTP/1.1"</c>, with single spaces.</summary>
    private static bool TryReadRequestLine(ReadOnlySpan<byte> line, out int methodLength, out Range target)
    {
        target = default;
        methodLength = line.IndexOf((byte)' ');
        if (methodLength <= 0 || !Http1Syntax.IsToken(line[..methodLength]) || !line.EndsWith(Version))
        {
            return false;
        }

        var start = methodLength + 1;
        var stop = line.Length - Version.Length;
        if (stop <= start || line[start] != '/' || line[start..stop].IndexOfAny((byte)' ', (byte)'\t') >= 0)
        {
            return false;
        }

        target = start..stop;
        return true;
    }

    private static bool TryReadFields(
        ReadOnlySpan<byte> buffer, int start, int end, int maxCount, out Range host, out BodyFraming framing, out long length, out bool close)
    {
        host = default;
        framing = BodyFraming.None;
        length = -1;
        close = false;
        int hosts = 0, count = 0, connections = 0;
        var chunked = false;
        var position = start;
        while (position < end)
        {
            var eol = position + buffer[position..end].IndexOf("\r\n"u8);
            var line = buffer[position..eol];
            if (++count > maxCount || line.Length == 0 || line[0] is (byte)' ' or (byte)'\t'
                || !Http1Syntax.TrySplitField(line, out var name, out var value))
            {
                return false;
            }

            if (Http1Syntax.NameIs(name, "Host"u8))
            {
                if (++hosts > 1 || !IsPlainHost(value))
                {
                    return false;
                }

                var afterColon = line[(name.Length + 1)..];
                var valueStart = position + name.Length + 1 + (afterColon.Length - afterColon.TrimStart(" \t"u8).Length);
                host = valueStart..(valueStart + value.Length);
            }
            else if (Http1Syntax.NameIs(name, "Content-Length"u8))
            {
                if (length >= 0 || !Http1Syntax.TryParseLength(value, out length))
                {
                    return false;
                }
            }
            else if (Http1Syntax.NameIs(name, "Transfer-Encoding"u8))
            {
                if (chunked || !Http1Syntax.NameIs(value, "chunked"u8))
                {
                    return false;
                }

                chunked = true;
            }
            else if (Http1Syntax.NameIs(name, "Connection"u8))
            {
                close = Http1Syntax.NameIs(value, "close"u8);
                if (++connections > 1 || !(close || Http1Syntax.NameIs(value, "keep-alive"u8)))
                {
                    return false;
                }
            }
            else if (Http1Syntax.NameIs(name, "Upgrade"u8) || Http1Syntax.NameIs(name, "Expect"u8) || Http1Syntax.NameIs(name, "HTTP2-Settings"u8))
            {
                return false;
            }

            position = eol + 2;
        }

        if (hosts != 1 || (chunked && length >= 0))
        {
            return false;
        }

        framing = chunked ? BodyFraming.Chunked : length > 0 ? BodyFraming.ContentLength : BodyFraming.None;
        return true;
    }

    /// <summary>
    /// <c>name[:port]</c> or <c>[IPv6][:port]</c>, with a port of 1 to 5 digits: a strict subset of what Kestrel takes, so
    /// that a Host the fast lane takes is one Kestrel takes too (any other goes to Kestrel, which decides).
    /// </summary>
    private static bool IsPlainHost(ReadOnlySpan<byte> value)
    {
        int hostEnd;
        if (value.Length > 0 && value[0] == '[')
        {
            hostEnd = value.IndexOf((byte)']') + 1;
            if (hostEnd < 3 || value[1..(hostEnd - 1)].ContainsAnyExcept(Ipv6Chars))
            {
                return false;
            }
        }
        else
        {
            hostEnd = value.IndexOf((byte)':') is var colon and >= 0 ? colon : value.Length;
            if (hostEnd == 0 || value[..hostEnd].ContainsAnyExcept(NameChars))
            {
                return false;
            }
        }

        var port = value[hostEnd..];
        return port.Length == 0 || (port[0] == ':' && port.Length is >= 2 and <= 6 && !port[1..].ContainsAnyExceptInRange((byte)'0', (byte)'9'));
    }
}
