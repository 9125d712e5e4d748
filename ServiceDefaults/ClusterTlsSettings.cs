using System.ComponentModel.DataAnnotations;

namespace Orleans.LoadBalancer.Hosting;

/// <summary>
/// TLS between silos and from gateways to silos (Orleans' own ports); section <c>Cluster:Tls</c>, read by both programs.
/// Every member presents a certificate and checks its peer's: silos refuse a gateway or silo without an accepted one.
/// </summary>
public sealed class ClusterTlsSettings : IValidatableObject
{
    public const string Section = "Cluster:Tls";

    public bool Enabled { get; set; }

    /// <summary>This member's certificate: a PKCS#12 file (<c>.pfx</c>/<c>.p12</c>) or a PEM file (key inside or in <see cref="KeyPath"/>).</summary>
    public string CertificatePath { get; set; } = "";

    /// <summary>A PEM certificate's private key, when it is not in <see cref="CertificatePath"/>.</summary>
    public string KeyPath { get; set; } = "";

    /// <summary>Password of the PKCS#12 file or of an encrypted PEM key.</summary>
    public string CertificatePassword { get; set; } = "";

    /// <summary>
    /// A CA certificate (PEM or DER): a peer is accepted when its certificate chains to it. Host names are not checked:
    /// members reach each other by IP address, and the CA is the cluster's identity.
    /// </summary>
    public string CaCertificatePath { get; set; } = "";

    /// <summary>More peer certificates to accept by SHA-1 thumbprint (hex), e.g. while rotating a shared certificate.</summary>
    public List<string> AllowedThumbprints { get; set; } = [];

    /// <summary>Development only: encrypt, but accept any peer certificate (anyone who can reach the ports can join).</summary>
    public bool AllowAnyRemoteCertificate { get; set; }

    /// <summary>How long a TLS handshake may take before the connection is dropped.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(CertificatePath))
        {
            yield return new ValidationResult(
                "TLS is enabled but no certificate is set: give a PFX or PEM file (Cluster:Tls:CertificatePath).", [nameof(CertificatePath)]);
        }
        else if (!File.Exists(CertificatePath))
        {
            yield return new ValidationResult($"no file at '{CertificatePath}'.", [nameof(CertificatePath)]);
        }

        if (KeyPath.Length > 0 && !File.Exists(KeyPath))
        {
            yield return new ValidationResult($"no file at '{KeyPath}'.", [nameof(KeyPath)]);
        }

        if (CaCertificatePath.Length > 0 && !File.Exists(CaCertificatePath))
        {
            yield return new ValidationResult($"no file at '{CaCertificatePath}'.", [nameof(CaCertificatePath)]);
        }

        foreach (var thumbprint in AllowedThumbprints.Where(t => !ClusterCertificates.IsThumbprint(t)))
        {
            yield return new ValidationResult($"'{thumbprint}' is not a SHA-1 thumbprint (40 hex digits).", [nameof(AllowedThumbprints)]);
        }

        if (HandshakeTimeout <= TimeSpan.Zero || HandshakeTimeout > TimeSpan.FromMinutes(5))
        {
            yield return new ValidationResult("must be between 0 and 5 minutes.", [nameof(HandshakeTimeout)]);
        }
    }
}
