using System.Text;
using Orleans.LoadBalancer.Gateway.Http1;

namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>What <see cref="ResponseHeadParser.TryParse"/> made of the bytes it was given.</summary>
internal enum HeadStatus
{
    /// <summary>The head is not complete yet (and not over the limit).</summary>
    Incomplete,

    /// <summary>A final response head.</summary>
    Complete,

    /// <summary>An interim (1xx other than 101) head, <c>HeadLength</c> long: skip it and parse the next.</summary>
    Interim,

    /// <summary>Not a response this client forwards: garbage, bad or conflicting framing, a head over the limit, a 101.</summary>
    Invalid,
}

/// <summary>
/// Parses an HTTP/1.x response head strictly (CRLF line ends, token header names, no folding) and decides the body's
/// framing. Anything that could make two parties disagree about where the body ends is <see cref="HeadStatus.Invalid"/>:
/// a second <c>Content-Length</c> (even an equal one), <c>Content-Length</c> with <c>Transfer-Encoding</c>, a coding
/// other than exactly <c>chunked</c>.
/// </summary>
internal static class ResponseHeadParser
{
    /// <summary>Parses the head at the start of <paramref name="buffer"/>.</summary>
    /// <param name="requestWasHead">The request was HEAD: whatever the head says, no body follows.</param>
    /// <param name="maxHeadLength">A head longer than this is <see cref="HeadStatus.Invalid"/>.</param>
    public static HeadStatus TryParse<TSink>(ReadOnlySpan<byte> buffer, bool requestWasHead, int maxHeadLength, ref TSink sink, out ResponseHead head)
        where TSink : IResponseHeaderSink
    {
        head = default;
        var end = buffer.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return buffer.Length >= maxHeadLength ? HeadStatus.Invalid : HeadStatus.Incomplete;
        }

        var headLength = end + 4;
        if (headLength > maxHeadLength)
        {
            return HeadStatus.Invalid;
        }

        var text = buffer[..(end + 2)];
        var lineEnd = text.IndexOf("\r\n"u8);
        var statusLine = text[..lineEnd];
        if (!TryParseStatusLine(statusLine, out var status, out var minor, out var reasonStart, out var reasonLength))
        {
            return HeadStatus.Invalid;
        }

        if (status is >= 100 and < 200)
        {
            if (status == 101)
            {
                return HeadStatus.Invalid;
            }

            head = new ResponseHead(status, minor, BodyFraming.None, 0, true, headLength, 0, 0);
            return ValidateFields(text[(lineEnd + 2)..]) ? HeadStatus.Interim : HeadStatus.Invalid;
        }

        long contentLength = -1;
        var chunked = false;
        var transferEncodings = 0;
        var close = minor == 0;
        var rest = text[(lineEnd + 2)..];
        while (rest.Length > 0)
        {
            var eol = rest.IndexOf("\r\n"u8);
            var line = rest[..eol];
            rest = rest[(eol + 2)..];
            if (!Http1Syntax.TrySplitField(line, out var name, out var value))
            {
                return HeadStatus.Invalid;
            }

            if (Http1Syntax.NameIs(name, "Content-Length"u8))
            {
                if (contentLength >= 0 || !Http1Syntax.TryParseLength(value, out contentLength))
                {
                    return HeadStatus.Invalid;
                }
            }
            else if (Http1Syntax.NameIs(name, "Transfer-Encoding"u8))
            {
                transferEncodings++;
                chunked = Ascii.EqualsIgnoreCase(value, "chunked"u8);
                if (!chunked || transferEncodings > 1)
                {
                    return HeadStatus.Invalid;
                }

                continue;
            }
            else if (Http1Syntax.NameIs(name, "Connection"u8))
            {
                if (Http1Syntax.HasToken(value, "close"u8))
                {
                    close = true;
                }
                else if (minor == 0 && Http1Syntax.HasToken(value, "keep-alive"u8))
                {
                    close = false;
                }

                continue;
            }
            else if (Http1Syntax.NameIs(name, "Keep-Alive"u8)
                || Http1Syntax.NameIs(name, "Proxy-Connection"u8)
                || Http1Syntax.NameIs(name, "Upgrade"u8))
            {
                continue;
            }

            sink.OnHeader(name, value);
        }

        if (chunked && contentLength >= 0)
        {
            return HeadStatus.Invalid;
        }

        BodyFraming framing;
        if (requestWasHead || status is 204 or 304)
        {
            framing = BodyFraming.None;
        }
        else if (chunked)
        {
            framing = BodyFraming.Chunked;
        }
        else if (contentLength >= 0)
        {
            framing = contentLength == 0 ? BodyFraming.None : BodyFraming.ContentLength;
        }
        else
        {
            framing = BodyFraming.UntilClose;
            close = true;
        }

        head = new ResponseHead(status, minor, framing, contentLength, !close, headLength, reasonStart, reasonLength);
        return HeadStatus.Complete;
    }

    /// <summary><c>HTTP/1.x SP 3DIGIT [SP reason]</c>.</summary>
    private static bool TryParseStatusLine(ReadOnlySpan<byte> line, out int status, out int minor, out int reasonStart, out int reasonLength)
    {
        status = minor = reasonStart = reasonLength = 0;
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || line[8] != ' ')
        {
            return false;
        }

        minor = line[7] - '0';
        if (minor is not (0 or 1))
        {
            return false;
        }

        for (var i = 9; i < 12; i++)
        {
            if (line[i] is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            status = (status * 10) + line[i] - '0';
        }

        if (status < 100)
        {
            return false;
        }

        if (line.Length > 12)
        {
            if (line[12] != ' ')
            {
                return false;
            }

            reasonStart = 13;
            reasonLength = line.Length - 13;
            if (line[13..].IndexOfAnyInRange((byte)0, (byte)8) >= 0 || line[13..].IndexOfAnyInRange((byte)10, (byte)31) >= 0)
            {
                return false;
            }
        }

        return true;
    }

    private static bool ValidateFields(ReadOnlySpan<byte> fields)
    {
        while (fields.Length > 0)
        {
            var eol = fields.IndexOf("\r\n"u8);
            if (!Http1Syntax.TrySplitField(fields[..eol], out _, out _))
            {
                return false;
            }

            fields = fields[(eol + 2)..];
        }

        return true;
    }
}
