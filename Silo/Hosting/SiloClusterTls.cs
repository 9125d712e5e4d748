using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Silo.Hosting;

public static class SiloClusterTls
{
    /// <summary>
    /// With <c>Cluster:Tls:Enabled</c>: TLS on the silo port, the gateway port and connections to other silos (see
    /// <see cref="ClusterTls"/>).
    /// </summary>
    public static ISiloBuilder UseClusterTls(this ISiloBuilder silo, ClusterTlsSettings settings) =>
        ClusterTls.Prepare(silo.Services, settings) is { } certificates
            ? silo.UseTls(certificates.Local, options => ClusterTls.Configure(options, certificates, settings))
            : silo;
}
