using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;

namespace Orleans.LoadBalancer.Hosting;

/// <summary>
/// How the gateways (forwarding) and the replica manager (probing) trust an <c>https</c> replica's certificate:
/// the system's trust store, or, with <c>ReplicaTls:CaFile</c> (a PEM file of one or more certificate authorities),
/// those authorities only. The host name is checked either way. One setting for both programs, so that a replica the
/// probe finds healthy is one the gateways can reach.
/// </summary>
public static class ReplicaTls
{
    public const string CaFileKey = "ReplicaTls:CaFile";

    /// <summary>The authorities <c>ReplicaTls:CaFile</c> names, or null for the system's trust store; a file that cannot be read stops start-up.</summary>
    public static X509Certificate2Collection? Authorities(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var path = configuration[CaFileKey];
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new InvalidConfigurationException($"{CaFileKey}: '{path}' could not be read as PEM certificates: {ex.Message}", ex);
        }

        return authorities.Count > 0
            ? authorities
            : throw new InvalidConfigurationException($"{CaFileKey}: '{path}' holds no PEM certificate.");
    }

    /// <summary>
    /// The chain policy for an <c>https</c> replica's certificate: only <paramref name="authorities"/> as roots (null
    /// when there are none: the system's trust store). A new policy per call, one per handler.
    /// </summary>
    public static X509ChainPolicy? Policy(X509Certificate2Collection? authorities)
    {
        if (authorities is null)
        {
            return null;
        }

        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            // Private authorities seldom publish revocation lists.
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.AddRange(authorities);
        return policy;
    }
}
