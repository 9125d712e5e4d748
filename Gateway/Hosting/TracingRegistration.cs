using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.Proxy.Upstream;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Gateway.Hosting;

internal static class TracingRegistration
{
    public const string ServiceName = "orleans-loadbalancer-gateway";

    /// <summary>ASP.NET Core's server span for each request (parented by its <c>traceparent</c>).</summary>
    private const string AspNetCoreSource = "Microsoft.AspNetCore";

    /// <summary>
    /// With <c>Gateway:Tracing:OtlpEndpoint</c> set: ASP.NET Core's server span for each request and the gateway's
    /// span for each forwarding attempt (<see cref="ForwardingSpanHandler"/>), sampled by the caller's decision or else
    /// by <c>SamplingRatio</c>, exported over OTLP in batches (the standard <c>OTEL_BSP_*</c> variables tune them).
    /// Without it nothing listens, so no <see cref="System.Diagnostics.Activity"/> is made for a request.
    /// </summary>
    public static WebApplicationBuilder AddGatewayTracing(this WebApplicationBuilder builder)
    {
        builder.Services.AddSettings<TracingOptions>(TracingOptions.Section);
        var tracing = builder.ReadSettings<TracingOptions>(TracingOptions.Section);
        if (!tracing.Enabled)
        {
            return builder;
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithTracing(traces => traces
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(tracing.SamplingRatio)))
                .AddSource(AspNetCoreSource)
                .AddSource(ForwardingSpanHandler.SourceName)
                .AddOtlpExporter(otlp =>
                {
                    otlp.Protocol = tracing.Protocol == OtlpTransport.HttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                    otlp.Endpoint = ExportAddress(tracing);
                }));
        return builder;
    }

    /// <summary>The collector's address as given; over HTTP, one given without a path gets the standard <c>/v1/traces</c>.</summary>
    public static Uri ExportAddress(TracingOptions tracing)
    {
        var endpoint = new Uri(tracing.OtlpEndpoint);
        return tracing.Protocol == OtlpTransport.HttpProtobuf && endpoint.AbsolutePath == "/" ? new Uri(endpoint, "v1/traces") : endpoint;
    }
}
