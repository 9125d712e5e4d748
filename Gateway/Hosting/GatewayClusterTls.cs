using Orleans.Connections.Security;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Gateway.Hosting;

public static class GatewayClusterTls
{
    /// <summary>
    /// With <c>Cluster:Tls:Enabled</c>: the gateway's connections to silos use TLS, present this gateway's certificate
    /// and accept only a silo whose certificate passes <see cref="ClusterCertificates.IsAcceptedPeer"/>.
    /// </summary>
    public static IClientBuilder UseClusterTls(this IClientBuilder client, ClusterTlsSettings settings)
    {
        if (!settings.Enabled)
        {
            return client;
        }

        var certificates = ClusterCertificates.Load(settings);
        ClusterTlsAnnouncement.Register(client.Services, certificates);
        return client.UseTls(certificates.Local, options =>
        {
            options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.RemoteCertificateValidation = certificates.IsAcceptedPeer;
            options.HandshakeTimeout = settings.HandshakeTimeout;
        });
    }
}
