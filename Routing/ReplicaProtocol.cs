namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// What the gateway speaks to a replica. <see cref="Http1"/> (0, what a record written before this existed reads as):
/// HTTP/1.1 over the address's scheme. <see cref="H2c"/>: HTTP/2 with prior knowledge over plain <c>http</c> (gRPC
/// services without TLS). <see cref="H2"/>: HTTP/2 over <c>https</c>, negotiated with ALPN and never falling back to
/// HTTP/1.1. Written in JSON and configuration as <c>http1</c>, <c>h2c</c> and <c>h2</c> (<see cref="ReplicaProtocols"/>).
/// </summary>
public enum ReplicaProtocol
{
    Http1 = 0,
    H2c = 1,
    H2 = 2,
}
