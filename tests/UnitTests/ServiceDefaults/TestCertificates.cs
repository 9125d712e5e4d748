using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orleans.LoadBalancer.UnitTests.ServiceDefaults;

/// <summary>Certificates a test makes for itself (ECDSA P-256, valid from yesterday for 30 days), and the files it writes them to.</summary>
public static class TestCertificates
{
    /// <summary>A self-signed certificate usable for TLS server and client authentication, named for 127.0.0.1 and localhost.</summary>
    public static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = LeafRequest(name, key);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    /// <summary>A certificate authority that can sign <see cref="IssuedBy"/> certificates.</summary>
    public static X509Certificate2 Authority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(60));
    }

    /// <summary>A server and client certificate signed by <paramref name="authority"/>, with its private key.</summary>
    public static X509Certificate2 IssuedBy(X509Certificate2 authority, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = LeafRequest(name, key);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(authority, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>Writes a PKCS#12 file (certificate and key) protected by <paramref name="password"/>.</summary>
    public static string WritePfx(X509Certificate2 certificate, string directory, string name, string password)
    {
        var path = Path.Combine(directory, name + ".pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    /// <summary>Writes the certificate as PEM, and its key (when it has one) to a second PEM file; returns both paths.</summary>
    public static (string Certificate, string Key) WritePem(X509Certificate2 certificate, string directory, string name)
    {
        var certificatePath = Path.Combine(directory, name + ".crt");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem() + "\n");
        var keyPath = Path.Combine(directory, name + ".key");
        if (certificate.GetECDsaPrivateKey() is { } key)
        {
            using (key)
            {
                File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
            }
        }

        return (certificatePath, keyPath);
    }

    private static CertificateRequest LeafRequest(string name, ECDsa key)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        return request;
    }
}
