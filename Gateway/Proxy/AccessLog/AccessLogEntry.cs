using System.Net;
using Orleans.LoadBalancer.Gateway.Configuration;

namespace Orleans.LoadBalancer.Gateway.Proxy.AccessLog;

/// <summary>
/// What one request's access log line says, captured on the request path (references only: nothing is formatted
/// there) and written out by <see cref="AccessLogWriter"/>.
/// </summary>
internal sealed class AccessLogEntry
{
    public required AccessLogFormat Format { get; init; }

    /// <summary>When the request arrived.</summary>
    public required DateTime Time { get; init; }

    /// <summary>The client as <c>Gateway:TrustedProxies</c> resolve it.</summary>
    public IPAddress? Client { get; init; }

    public required string Method { get; init; }

    /// <summary>The path, without the query string (which may carry tokens).</summary>
    public required string Path { get; init; }

    public required string Protocol { get; init; }

    public int Status { get; set; }

    /// <summary>The routing key as the request carried it (<c>Gateway:AccessLog:Key=Plain</c>).</summary>
    public string? Key { get; set; }

    /// <summary>The key's position on the ring (<c>Gateway:AccessLog:Key=Hash</c>).</summary>
    public ulong? KeyHash { get; set; }

    /// <summary>The replica that answered (or failed last); null when none was tried.</summary>
    public string? Replica { get; set; }

    /// <summary>Replicas tried; 0 when the request was not proxied (an admin call, a loop, no replica).</summary>
    public int Attempts { get; set; }

    /// <summary>Time spent with replicas, every attempt summed, response body included; null when none was tried.</summary>
    public TimeSpan? UpstreamTime { get; set; }

    public TimeSpan TotalTime { get; set; }

    /// <summary>Response body bytes written to the client (nginx's <c>$body_bytes_sent</c>).</summary>
    public long BytesSent { get; set; }

    /// <summary>Request body bytes read from the client.</summary>
    public long BytesReceived { get; set; }

    public string? Referer { get; init; }

    public string? UserAgent { get; init; }

    /// <summary>Counts the request body while the request runs.</summary>
    internal CountingStream? RequestBody { get; set; }

    /// <summary>Counts the response body while the request runs.</summary>
    internal CountingStream? ResponseBody { get; set; }

    /// <summary>The key as the line shows it: as given, or its ring position in 16 hex digits; null when there is none.</summary>
    public string? KeyText => Key ?? KeyHash?.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}
