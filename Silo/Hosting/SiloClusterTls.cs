using Orleans.Connections.Security;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Silo.Hosting;

public static class SiloClusterTls
{
    /// <summary>
    /// With <c>Cluster:Tls:Enabled</c>: TLS on the silo port, the gateway port and connections to other silos. Every
    /// connection is mutually authenticated: a silo or gateway without an accepted certificate is dropped in the handshake.
    /// </summary>
    public static ISiloBuilder UseClusterTls(this ISiloBuilder silo, ClusterTlsSettings settings)
    {
        if (!settings.Enabled)
        {
            return silo;
        }

        var certificates = ClusterCertificates.Load(settings);
        ClusterTlsAnnouncement.Register(silo.Services, certificates);
        return silo.UseTls(certificates.Local, options =>
        {
            options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.RemoteCertificateValidation = certificates.IsAcceptedPeer;
            options.HandshakeTimeout = settings.HandshakeTimeout;
        });
    }
}
