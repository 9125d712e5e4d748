using System.ComponentModel.DataAnnotations;

namespace Orleans.LoadBalancer.Gateway.Configuration;

/// <summary>
/// Section <c>Gateway:Tracing</c>: OpenTelemetry spans exported over OTLP, off unless an endpoint is given. Read at
/// start-up: with no endpoint nothing listens to the gateway's activities and none is created per request.
/// </summary>
internal sealed class TracingOptions : IValidatableObject
{
    public const string Section = "Gateway:Tracing";

    /// <summary>
    /// Where spans are sent (an OTLP collector's <c>http(s)://</c> address); empty (the default): tracing off. The
    /// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> alone does not turn it on.
    /// </summary>
    public string OtlpEndpoint { get; set; } = "";

    /// <summary><c>Grpc</c> (the default, a collector's port 4317) or <c>HttpProtobuf</c> (port 4318, <c>/v1/traces</c>).</summary>
    [EnumDataType(typeof(OtlpTransport))]
    public OtlpTransport Protocol { get; set; } = OtlpTransport.Grpc;

    /// <summary>
    /// The share of new traces recorded, from 0 to 1 (the default: all). A request that arrives with a <c>traceparent</c>
    /// follows its caller's decision instead.
    /// </summary>
    [Range(0.0, 1.0)]
    public double SamplingRatio { get; set; } = 1.0;

    public bool Enabled => OtlpEndpoint.Length > 0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Enabled && !(Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            yield return new ValidationResult($"'{OtlpEndpoint}' is not an http:// or https:// address", [nameof(OtlpEndpoint)]);
        }
    }
}
