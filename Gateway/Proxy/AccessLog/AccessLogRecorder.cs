using System.Diagnostics;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.Keys;

namespace Orleans.LoadBalancer.Gateway.Proxy.AccessLog;

/// <summary>
/// Starts a request's access log line (and counts its bodies) and hands it to the <see cref="AccessLogWriter"/> when
/// the request ends. With the access log off nothing is done: no entry, no wrapped body, no clock read.
/// </summary>
internal sealed class AccessLogRecorder(AccessLogWriter writer, GatewaySettingsStore settings, IOptions<GatewayOptions> options)
{
    // Trusted proxies are read at start-up, as the proxy's are.
    private readonly TrustedProxies _trustedProxies = new(options.Value.TrustedProxies);

    /// <summary>The line a request under way already has (one the admin pipeline started before it fell through to the proxy).</summary>
    public static AccessLogEntry? Current(HttpContext context) => context.Features.Get<AccessLogEntry>();

    /// <summary>Starts the line of <paramref name="context"/>; null when the access log is off.</summary>
    public AccessLogEntry? Begin(HttpContext context, AccessLogFormat format)
    {
        if (format == AccessLogFormat.Off)
        {
            return null;
        }

        var request = context.Request;
        var headers = request.Headers;
        var entry = new AccessLogEntry
        {
            Format = format,
            Time = DateTime.UtcNow,
            Client = _trustedProxies.ClientOf(context),
            Method = request.Method,
            Path = request.Path.Value ?? "",
            Protocol = request.Protocol,
            Referer = headers.Referer.Count == 0 ? null : headers.Referer.ToString(),
            UserAgent = headers.UserAgent.Count == 0 ? null : headers.UserAgent.ToString(),
            RequestBody = new CountingStream(request.Body),
            ResponseBody = new CountingStream(context.Response.Body),
        };
        request.Body = entry.RequestBody;
        context.Response.Body = entry.ResponseBody;
        context.Features.Set(entry);
        return entry;
    }

    /// <summary>Completes the line with what the response became and queues it; puts the bodies back as they were.</summary>
    public void End(HttpContext context, AccessLogEntry entry, long startTimestamp)
    {
        entry.TotalTime = Stopwatch.GetElapsedTime(startTimestamp);
        entry.Status = context.Response.StatusCode;
        if (entry.RequestBody is { } requestBody)
        {
            entry.BytesReceived = requestBody.Count;
            context.Request.Body = requestBody.Inner;
        }

        if (entry.ResponseBody is { } responseBody)
        {
            entry.BytesSent = responseBody.Count;
            // Setting the stream the feature wrapped puts the server's own body feature back.
            context.Response.Body = responseBody.Inner;
        }

        entry.RequestBody = null;
        entry.ResponseBody = null;
        context.Features.Set<AccessLogEntry>(null);
        writer.Write(entry);
    }

    /// <summary>Runs a request for the gateway itself (the admin API, health, metrics) with its access log line.</summary>
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var format = settings.Current.AccessLog;
        return format == AccessLogFormat.Off ? next(context) : LoggedAsync(context, next, format);
    }

    private async Task LoggedAsync(HttpContext context, RequestDelegate next, AccessLogFormat format)
    {
        var start = Stopwatch.GetTimestamp();
        var entry = Begin(context, format)!;
        try
        {
            await next(context);
        }
        finally
        {
            End(context, entry, start);
        }
    }
}
