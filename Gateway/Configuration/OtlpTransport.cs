namespace Orleans.LoadBalancer.Gateway.Configuration;

/// <summary><c>Gateway:Tracing:Protocol</c>: how spans reach the OTLP collector.</summary>
internal enum OtlpTransport
{
    /// <summary>OTLP/gRPC.</summary>
    Grpc,

    /// <summary>OTLP/HTTP with protobuf bodies, posted to <c>/v1/traces</c>.</summary>
    HttpProtobuf,
}
