using Microsoft.Extensions.DependencyInjection;
using Orleans.Connections.Security;

namespace Orleans.LoadBalancer.Hosting;

/// <summary>
/// With <c>Cluster:Tls:Enabled</c>, every Orleans connection (silo to silo, gateway to silo) is mutually
/// authenticated: each side presents its certificate and drops a peer that <see cref="ClusterCertificates.IsAcceptedPeer"/>
/// refuses, in the handshake.
/// </summary>
public static class ClusterTls
{
    /// <summary>Loads the certificates and announces them at start-up; <c>null</c> when TLS is off.</summary>
    public static ClusterCertificates? Prepare(IServiceCollection services, ClusterTlsSettings settings)
    {
        if (!settings.Enabled)
        {
            return null;
        }

        var certificates = ClusterCertificates.Load(settings);
        ClusterTlsAnnouncement.Register(services, certificates);
        return certificates;
    }

    public static void Configure(TlsOptions options, ClusterCertificates certificates, ClusterTlsSettings settings)
    {
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = certificates.IsAcceptedPeer;
        options.HandshakeTimeout = settings.HandshakeTimeout;
    }
}
