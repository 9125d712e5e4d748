using System.Security.Cryptography.X509Certificates;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Orleans.LoadBalancer.UnitTests.ServiceDefaults;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// A cluster for <see cref="ProtocolTests"/> whose only replicas are three servers of the test's own, one per replica
/// protocol, registered by <c>Replicas:Static</c>: <c>web</c> (http1), <c>grpc</c> (h2c) and <c>secure</c> (h2, its
/// certificate issued by an authority of the test's, which <c>ReplicaTls:CaFile</c> names to the silo and the gateway).
/// The gateway routes by the <c>x-user</c> header and listens on three Kestrel endpoints: the HTTP/1.1 traffic port, an
/// h2c endpoint (<c>Protocols=Http2</c>) and a TLS endpoint with a certificate from files. It runs the lean upstream
/// client, which speaks HTTP/1.1 only: the h2c and h2 replicas must be reached through the SocketsHttpHandler beside it.
/// </summary>
public sealed class ProtocolFixture : IAsyncLifetime
{
    private readonly DirectoryInfo _directory = System.IO.Directory.CreateTempSubdirectory("orleans-lb-protocols-");
    private readonly List<ProtocolBackend> _backends = [];

    public LoadBalancerCluster Cluster { get; private set; } = null!;

    public GatewayEndpoint Gateway => Cluster.Gateway;

    /// <summary>The gateway's HTTP/2-only endpoint on plain http.</summary>
    public Uri H2cEndpoint { get; private set; } = null!;

    /// <summary>The gateway's TLS endpoint (HTTP/1.1 and HTTP/2 by ALPN).</summary>
    public Uri TlsEndpoint { get; private set; } = null!;

    /// <summary>The PEM file of the authority that issued every certificate here, for clients.</summary>
    public string AuthorityFile { get; private set; } = null!;

    public string CertificateDirectory => _directory.FullName;

    public async Task InitializeAsync()
    {
        using var authority = TestCertificates.Authority("protocols-test-ca");
        AuthorityFile = TestCertificates.WritePem(authority, CertificateDirectory, "authority").Certificate;
        using var gatewayCertificate = TestCertificates.IssuedBy(authority, "gateway");
        var (gatewayCertificateFile, gatewayKeyFile) = TestCertificates.WritePem(gatewayCertificate, CertificateDirectory, "gateway");
        var replicaCertificate = TestCertificates.IssuedBy(authority, "secure");

        _backends.Add(await ProtocolBackend.StartAsync("web", "http1"));
        _backends.Add(await ProtocolBackend.StartAsync("grpc", "h2c"));
        _backends.Add(await ProtocolBackend.StartAsync("secure", "h2", replicaCertificate));
        var silo = new Dictionary<string, string>
        {
            ["Replicas__InitialCount"] = "0",
            ["ReplicaTls__CaFile"] = AuthorityFile,
        };
        for (var i = 0; i < _backends.Count; i++)
        {
            silo[$"Replicas__Static__{i}__Name"] = _backends[i].Name;
            silo[$"Replicas__Static__{i}__Address"] = _backends[i].Address;
            silo[$"Replicas__Static__{i}__Protocol"] = _backends[i].Protocol;
        }

        H2cEndpoint = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        TlsEndpoint = new Uri($"https://127.0.0.1:{FreePort.Next()}");
        Cluster = await LoadBalancerCluster.StartAsync(
            siloSettings: silo,
            gatewaySettings: new Dictionary<string, string>
            {
                ["Gateway__UpstreamClient"] = "Lean",
                ["Gateway__KeySources__0__Type"] = "Header",
                ["Gateway__KeySources__0__Name"] = "x-user",
                ["ReplicaTls__CaFile"] = AuthorityFile,
                ["Kestrel__Endpoints__H2c__Url"] = H2cEndpoint.ToString().TrimEnd('/'),
                ["Kestrel__Endpoints__H2c__Protocols"] = "Http2",
                ["Kestrel__Endpoints__Tls__Url"] = TlsEndpoint.ToString().TrimEnd('/'),
                ["Kestrel__Endpoints__Tls__Protocols"] = "Http1AndHttp2",
                ["Kestrel__Endpoints__Tls__Certificate__Path"] = gatewayCertificateFile,
                ["Kestrel__Endpoints__Tls__Certificate__KeyPath"] = gatewayKeyFile,
            },
            expectedReplicas: 3);
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        foreach (var backend in _backends)
        {
            await backend.DisposeAsync();
        }

        _directory.Delete(recursive: true);
    }
}
