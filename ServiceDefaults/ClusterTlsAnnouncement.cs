using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Orleans.LoadBalancer.Hosting;

/// <summary>Says at start-up that the Orleans ports speak TLS, with which certificate and how peers are checked.</summary>
internal sealed partial class ClusterTlsAnnouncement(ClusterCertificates certificates, ILogger<ClusterTlsAnnouncement> logger) : IHostedService
{
    /// <summary>
    /// Registers the announcement ahead of every other hosted service: a gateway's Orleans client does not finish starting
    /// until it reaches the cluster, and the line matters most when it never does (a refused certificate).
    /// </summary>
    public static void Register(IServiceCollection services, ClusterCertificates certificates)
    {
        services.AddSingleton(certificates);
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, ClusterTlsAnnouncement>());
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var local = certificates.Local;
        if (certificates.AllowsAnyPeer)
        {
            LogAnyPeer(logger, local.Subject, local.Thumbprint);
        }
        else
        {
            LogOn(logger, local.Subject, local.Thumbprint, local.NotAfter, certificates.PeerRule);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Cluster TLS on: certificate {Subject} ({Thumbprint}, valid until {NotAfter:u}); peers must present {PeerRule}")]
    private static partial void LogOn(ILogger logger, string subject, string thumbprint, DateTime notAfter, string peerRule);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Cluster TLS on with certificate {Subject} ({Thumbprint}), but Cluster:Tls:AllowAnyRemoteCertificate accepts any peer: anyone who reaches the Orleans ports can join. Development only")]
    private static partial void LogAnyPeer(ILogger logger, string subject, string thumbprint);
}
