using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Gateway.Hosting;

public static class GatewayClusterTls
{
    /// <summary>With <c>Cluster:Tls:Enabled</c>: the gateway's connections to silos use TLS (see <see cref="ClusterTls"/>).</summary>
    public static IClientBuilder UseClusterTls(this IClientBuilder client, ClusterTlsSettings settings) =>
        ClusterTls.Prepare(client.Services, settings) is { } certificates
            ? client.UseTls(certificates.Local, options => ClusterTls.Configure(options, certificates, settings))
            : client;
}
