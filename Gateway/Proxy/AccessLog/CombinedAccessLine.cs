using System.Buffers;
using System.Globalization;
using System.Text;

namespace Orleans.LoadBalancer.Gateway.Proxy.AccessLog;

/// <summary>
/// nginx's <c>combined</c> format with the gateway's fields appended:
/// <c>10.0.0.9 - - [07/Dec/2026:04:00:00 +0000] "GET /home HTTP/1.1" 200 52 "-" "curl/8.5.0" key="…" replica="Server 1"
/// attempts=1 upstream_time=0.001 request_time=0.002 bytes_received=0</c>. As nginx does, a quoted value has <c>"</c>,
/// <c>\</c>, control characters and bytes beyond ASCII written as <c>\xHH</c>, and a missing one is <c>-</c>.
/// </summary>
internal static class CombinedAccessLine
{
    public static void Write(AccessLogEntry entry, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(output);
        var line = new StringBuilder(256);
        line.Append(entry.Client?.ToString() ?? "-").Append(" - - [")
            .Append(entry.Time.ToString("dd/MMM/yyyy:HH:mm:ss", CultureInfo.InvariantCulture)).Append(" +0000] \"");
        Escaped(line, entry.Method);
        line.Append(' ');
        // Percent-encoded again, as the request line carried it: a decoded space would split the field.
        Escaped(line, entry.Path.StartsWith('/') ? new PathString(entry.Path).ToUriComponent() : entry.Path);
        line.Append(' ');
        Escaped(line, entry.Protocol);
        line.Append("\" ").Append(entry.Status.ToString(CultureInfo.InvariantCulture))
            .Append(' ').Append(entry.BytesSent.ToString(CultureInfo.InvariantCulture));
        Quoted(line.Append(' '), entry.Referer);
        Quoted(line.Append(' '), entry.UserAgent);
        Quoted(line.Append(" key="), entry.KeyText);
        Quoted(line.Append(" replica="), entry.Replica);
        line.Append(" attempts=").Append(entry.Attempts.ToString(CultureInfo.InvariantCulture));
        line.Append(" upstream_time=").Append(entry.UpstreamTime is { } upstream ? Seconds(upstream) : "-");
        line.Append(" request_time=").Append(Seconds(entry.TotalTime));
        line.Append(" bytes_received=").Append(entry.BytesReceived.ToString(CultureInfo.InvariantCulture)).Append('\n');
        var text = line.ToString();
        var bytes = output.GetSpan(Encoding.ASCII.GetMaxByteCount(text.Length));
        output.Advance(Encoding.ASCII.GetBytes(text, bytes));
    }

    /// <summary>nginx's <c>$request_time</c>: seconds with millisecond resolution.</summary>
    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);

    private static void Quoted(StringBuilder line, string? value)
    {
        if (value is null)
        {
            line.Append("\"-\"");
            return;
        }

        line.Append('"');
        Escaped(line, value);
        line.Append('"');
    }

    /// <summary>Printable ASCII as is; anything else as its UTF-8 bytes in <c>\xHH</c>, so a line stays one ASCII line.</summary>
    private static void Escaped(StringBuilder line, string value)
    {
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is >= ' ' and < (char)0x7F and not '"' and not '\\')
            {
                line.Append(c);
                continue;
            }

            var length = char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])
                ? Encoding.UTF8.GetBytes(value.AsSpan(i++, 2), utf8)
                : Encoding.UTF8.GetBytes(value.AsSpan(i, 1), utf8);
            foreach (var b in utf8[..length])
            {
                line.Append("\\x").Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
    }
}
