namespace Orleans.LoadBalancer.Gateway.Configuration;

/// <summary><c>Gateway:AccessLog:Format</c>: what one access log line looks like, or none at all.</summary>
internal enum AccessLogFormat
{
    /// <summary>No access log; nothing is measured or allocated for it.</summary>
    Off,

    /// <summary>One JSON object per line.</summary>
    Json,

    /// <summary>nginx's <c>combined</c> format, with the gateway's own fields appended as <c>name=value</c>.</summary>
    Combined,
}
