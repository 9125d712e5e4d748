using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.UnitTests.ServiceDefaults;

/// <summary>Which peer certificates a cluster member accepts, and which <c>Cluster:Tls</c> settings stop start-up.</summary>
public sealed class ClusterCertificatesTests : IDisposable
{
    private const SslPolicyErrors UntrustedRoot = SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("lb-certs-");
    private readonly X509Certificate2 _shared = TestCertificates.SelfSigned("lb-cluster");

    public void Dispose()
    {
        _shared.Dispose();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public void By_default_only_the_members_own_certificate_is_accepted()
    {
        var certificates = Load(Settings(_shared));
        using var other = TestCertificates.SelfSigned("lb-cluster");

        Assert.True(certificates.IsAcceptedPeer(Public(_shared), null, UntrustedRoot));
        Assert.False(certificates.IsAcceptedPeer(other, null, UntrustedRoot));
        Assert.Equal("this certificate", certificates.PeerRule);
    }

    [Fact]
    public void A_pinned_thumbprint_is_accepted_in_any_spelling()
    {
        using var next = TestCertificates.SelfSigned("lb-cluster-next");
        using var other = TestCertificates.SelfSigned("lb-other");
        var spelled = string.Join(':', next.Thumbprint.ToLowerInvariant().Chunk(2).Select(c => new string(c)));
        var settings = Settings(_shared);
        settings.AllowedThumbprints = [spelled];

        var certificates = Load(settings);

        Assert.True(certificates.IsAcceptedPeer(next, null, UntrustedRoot));
        Assert.False(certificates.IsAcceptedPeer(other, null, UntrustedRoot));
    }

    [Fact]
    public void With_a_ca_a_certificate_it_issued_is_accepted_and_a_look_alike_is_not()
    {
        using var authority = TestCertificates.Authority("lb-ca");
        using var otherAuthority = TestCertificates.Authority("lb-ca");
        using var member = TestCertificates.IssuedBy(authority, "lb-member-1");
        using var peer = TestCertificates.IssuedBy(authority, "lb-member-2");
        using var forged = TestCertificates.IssuedBy(otherAuthority, "lb-member-2");
        using var selfSigned = TestCertificates.SelfSigned("lb-member-2");
        var settings = Settings(member);
        settings.CaCertificatePath = TestCertificates.WritePem(authority, _directory.FullName, "ca").Certificate;

        var certificates = Load(settings);

        Assert.True(certificates.IsAcceptedPeer(Public(peer), null, UntrustedRoot));
        Assert.False(certificates.IsAcceptedPeer(Public(forged), null, UntrustedRoot));
        Assert.False(certificates.IsAcceptedPeer(selfSigned, null, UntrustedRoot));
        Assert.Equal("this certificate or issued by 'CN=lb-ca'", certificates.PeerRule);
    }

    [Fact]
    public void An_expired_peer_certificate_is_refused_even_when_pinned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var expired = new CertificateRequest("CN=lb-old", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1));
        var settings = Settings(_shared);
        settings.AllowedThumbprints = [expired.Thumbprint];

        Assert.False(Load(settings).IsAcceptedPeer(expired, null, SslPolicyErrors.None));
    }

    [Fact]
    public void Allow_any_remote_certificate_accepts_a_stranger()
    {
        using var stranger = TestCertificates.SelfSigned("lb-stranger");
        var settings = Settings(_shared);
        settings.AllowAnyRemoteCertificate = true;

        var certificates = Load(settings);

        Assert.True(certificates.AllowsAnyPeer);
        Assert.True(certificates.IsAcceptedPeer(stranger, null, UntrustedRoot));
    }

    [Fact]
    public void A_pem_certificate_with_its_key_in_another_file_loads()
    {
        var (certificate, key) = TestCertificates.WritePem(_shared, _directory.FullName, "member");
        var settings = new ClusterTlsSettings { Enabled = true, CertificatePath = certificate, KeyPath = key };

        var certificates = Load(settings);

        Assert.Equal(_shared.Thumbprint, certificates.Local.Thumbprint);
        Assert.True(certificates.Local.HasPrivateKey);
    }

    [Fact]
    public void A_certificate_without_its_private_key_stops_start_up()
    {
        var pfx = Path.Combine(_directory.FullName, "public-only.pfx");
        File.WriteAllBytes(pfx, new X509Certificate2Collection(Public(_shared)).Export(X509ContentType.Pkcs12, "pw")!);

        var error = Assert.Throws<InvalidConfigurationException>(() =>
            ClusterCertificates.Load(new ClusterTlsSettings { Enabled = true, CertificatePath = pfx, CertificatePassword = "pw" }));

        Assert.Contains("Cluster:Tls:CertificatePath:", error.Message, StringComparison.Ordinal);
        Assert.Contains("holds no private key", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "Cluster:Tls:CertificatePath: TLS is enabled but no certificate is set")]
    [InlineData("nope", "Cluster:Tls:AllowedThumbprints: 'nope' is not a SHA-1 thumbprint")]
    [InlineData("00:00:00", "Cluster:Tls:HandshakeTimeout: must be between 0 and 5 minutes")]
    public void Wrong_settings_name_the_key(string value, string message)
    {
        var settings = new ClusterTlsSettings { Enabled = true, CertificatePath = WritePfx(_shared) };
        if (value.Length == 0)
        {
            settings.CertificatePath = "";
        }
        else if (value.Contains(':', StringComparison.Ordinal))
        {
            settings.HandshakeTimeout = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            settings.AllowedThumbprints = [value];
        }

        var error = Assert.Throws<InvalidConfigurationException>(() => ClusterCertificates.Load(settings));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    private ClusterTlsSettings Settings(X509Certificate2 certificate) =>
        new() { Enabled = true, CertificatePath = WritePfx(certificate), CertificatePassword = "pw" };

    private string WritePfx(X509Certificate2 certificate) =>
        TestCertificates.WritePfx(certificate, _directory.FullName, certificate.Thumbprint, "pw");

    private static ClusterCertificates Load(ClusterTlsSettings settings) => ClusterCertificates.Load(settings);

    // What a peer's certificate looks like on the wire: no private key.
    private static X509Certificate2 Public(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadCertificate(certificate.Export(X509ContentType.Cert));
}
