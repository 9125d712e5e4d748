namespace Orleans.LoadBalancer.Gateway.Configuration;

/// <summary>Section <c>Gateway:AccessLog</c>: one line per request, written off the request path.</summary>
internal sealed class AccessLogOptions
{
    /// <summary><c>Off</c> (the default), <c>Json</c> or <c>Combined</c>; taken from a reload.</summary>
    public AccessLogFormat Format { get; set; } = AccessLogFormat.Off;

    /// <summary>How the routing key is written: <c>Hash</c> (the default) or <c>Plain</c>; taken from a reload.</summary>
    public AccessLogKey Key { get; set; } = AccessLogKey.Hash;

    /// <summary>A file the lines are appended to; empty (the default): standard output. Read at start-up.</summary>
    public string Path { get; set; } = "";
}
