using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Orleans.LoadBalancer.Gateway.Proxy.AccessLog;

/// <summary>
/// <c>{"time":"2026-12-07T04:00:00.123Z","client":"10.0.0.9","method":"GET","path":"/home","protocol":"HTTP/1.1",
/// "status":200,"key":"…","replica":"Server 1","attempts":1,"upstream_time":0.0012,"request_time":0.0015,
/// "bytes_sent":52,"bytes_received":0,"referer":null,"user_agent":"curl/8.5.0"}</c> and a newline. Times in seconds.
/// </summary>
internal sealed class JsonAccessLine
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private Utf8JsonWriter? _writer;

    /// <summary>Appends the line to <paramref name="output"/>; one instance per writer thread.</summary>
    public void Write(AccessLogEntry entry, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(output);
        var json = _writer ??= new Utf8JsonWriter(output, Options);
        json.Reset(output);
        json.WriteStartObject();
        json.WriteString("time", entry.Time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        json.WriteString("client", entry.Client?.ToString());
        json.WriteString("method", entry.Method);
        json.WriteString("path", entry.Path);
        json.WriteString("protocol", entry.Protocol);
        json.WriteNumber("status", entry.Status);
        json.WriteString("key", entry.KeyText);
        json.WriteString("replica", entry.Replica);
        json.WriteNumber("attempts", entry.Attempts);
        if (entry.UpstreamTime is { } upstream)
        {
            json.WriteNumber("upstream_time", Seconds(upstream));
        }
        else
        {
            json.WriteNull("upstream_time");
        }

        json.WriteNumber("request_time", Seconds(entry.TotalTime));
        json.WriteNumber("bytes_sent", entry.BytesSent);
        json.WriteNumber("bytes_received", entry.BytesReceived);
        json.WriteString("referer", entry.Referer);
        json.WriteString("user_agent", entry.UserAgent);
        json.WriteEndObject();
        json.Flush();
        output.Write("\n"u8);
    }

    /// <summary>Seconds to the microsecond.</summary>
    internal static double Seconds(TimeSpan time) => Math.Round(time.TotalSeconds, 6);
}
