using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orleans.LoadBalancer.Hosting;

/// <summary>
/// This member's certificate and the rule that accepts a peer's, from <see cref="ClusterTlsSettings"/>. A peer is
/// accepted when its certificate is this member's own (one certificate shared by the cluster), is listed in
/// <c>AllowedThumbprints</c>, or chains to <c>CaCertificatePath</c>; with <c>AllowAnyRemoteCertificate</c>, always.
/// </summary>
public sealed class ClusterCertificates
{
    private readonly HashSet<string> _pinned;
    private readonly X509Certificate2? _authority;
    private readonly bool _allowAny;

    private ClusterCertificates(X509Certificate2 local, X509Certificate2? authority, IEnumerable<string> pinned, bool allowAny)
    {
        Local = local;
        _authority = authority;
        _allowAny = allowAny;
        _pinned = new HashSet<string>(pinned.Select(Normalize), StringComparer.Ordinal) { Normalize(local.Thumbprint) };
    }

    public X509Certificate2 Local { get; }

    /// <summary>How peers are checked, for the start-up log.</summary>
    public string PeerRule => _allowAny
        ? "any certificate (AllowAnyRemoteCertificate: development only)"
        : string.Join(" or ", new[]
        {
            _pinned.Count == 1 ? "this certificate" : $"one of {_pinned.Count} pinned certificates",
            _authority is null ? null : $"issued by '{_authority.Subject}'",
        }.Where(s => s is not null));

    public bool AllowsAnyPeer => _allowAny;

    /// <summary>Loads the certificates; a file that cannot be read or a certificate without its private key is a configuration error.</summary>
    public static ClusterCertificates Load(ClusterTlsSettings settings)
    {
        settings.Validated(ClusterTlsSettings.Section);
        var local = LoadLocal(settings);
        if (!local.HasPrivateKey)
        {
            throw new InvalidConfigurationException(
                $"{ClusterTlsSettings.Section}:CertificatePath: '{settings.CertificatePath}' holds no private key (give a PFX, or PEM with Cluster:Tls:KeyPath).");
        }

        if (local.NotAfter < DateTime.Now)
        {
            throw new InvalidConfigurationException(
                $"{ClusterTlsSettings.Section}:CertificatePath: the certificate '{local.Subject}' expired on {local.NotAfter.ToString("u", CultureInfo.InvariantCulture)}.");
        }

        X509Certificate2? authority = null;
        if (settings.CaCertificatePath.Length > 0)
        {
            authority = Read(ClusterTlsSettings.Section + ":CaCertificatePath", settings.CaCertificatePath, X509CertificateLoader.LoadCertificateFromFile);
        }

        return new ClusterCertificates(local, authority, settings.AllowedThumbprints, settings.AllowAnyRemoteCertificate);
    }

    /// <summary>
    /// Decides on a peer's certificate (the signature of Orleans' <c>RemoteCertificateValidator</c>). Policy errors the
    /// TLS layer reports (an unknown root, a name that is not the peer's IP) are replaced by this member's own rule.
    /// </summary>
    public bool IsAcceptedPeer(X509Certificate2 certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_allowAny)
        {
            return true;
        }

        var now = DateTime.Now;
        if (now < certificate.NotBefore || now > certificate.NotAfter)
        {
            return false;
        }

        if (_pinned.Contains(Normalize(certificate.Thumbprint)))
        {
            return true;
        }

        return _authority is not null && ChainsToAuthority(certificate, chain);
    }

    public static bool IsThumbprint(string value) =>
        Normalize(value) is { Length: 40 } hex && hex.All(char.IsAsciiHexDigit);

    private bool ChainsToAuthority(X509Certificate2 certificate, X509Chain? presented)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_authority!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            // Intermediates the peer sent along.
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(certificate);
    }

    private static X509Certificate2 LoadLocal(ClusterTlsSettings settings)
    {
        var path = settings.CertificatePath;
        var password = settings.CertificatePassword.Length > 0 ? settings.CertificatePassword : null;
        var key = ClusterTlsSettings.Section + ":CertificatePath";
        var extension = Path.GetExtension(path);
        if (extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase))
        {
            return Read(key, path, p => X509CertificateLoader.LoadPkcs12FromFile(p, password));
        }

        var keyPath = settings.KeyPath.Length > 0 ? settings.KeyPath : path;
        var hint = settings.KeyPath.Length > 0 ? "" : " A PEM certificate needs its key in the same file or in Cluster:Tls:KeyPath.";
        return Read(key, path, p => password is null
            ? X509Certificate2.CreateFromPemFile(p, keyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(p, password, keyPath), hint);
    }

    private static X509Certificate2 Read(string key, string path, Func<string, X509Certificate2> load, string hint = "")
    {
        try
        {
            return load(path);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidConfigurationException($"{key}: could not read a certificate from '{path}': {ex.Message}{hint}", ex);
        }
    }

    private static string Normalize(string thumbprint) =>
        thumbprint.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
}
