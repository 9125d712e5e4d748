using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.UnitTests.ServiceDefaults;

/// <summary><c>ReplicaTls:CaFile</c>: the authorities an https replica's certificate must chain to, or the system's trust store.</summary>
public sealed class ReplicaTlsTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("replica-tls-tests-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void Without_a_file_the_system_trust_store_is_used()
    {
        Assert.Null(ReplicaTls.Authorities(Configuration(null)));
        Assert.Null(ReplicaTls.Policy(null));
    }

    [Fact]
    public void The_file_s_authorities_become_the_only_roots_and_chain_a_certificate_they_issued()
    {
        using var authority = TestCertificates.Authority("replica-ca");
        using var issued = TestCertificates.IssuedBy(authority, "replica");
        using var stranger = TestCertificates.SelfSigned("stranger");
        var file = TestCertificates.WritePem(authority, _folder.FullName, "ca").Certificate;

        var authorities = ReplicaTls.Authorities(Configuration(file))!;
        var policy = ReplicaTls.Policy(authorities)!;

        Assert.Equal(authority.Thumbprint, Assert.Single(authorities).Thumbprint);
        Assert.Equal(X509ChainTrustMode.CustomRootTrust, policy.TrustMode);
        Assert.True(Chains(policy, issued));
        Assert.False(Chains(ReplicaTls.Policy(authorities)!, stranger));
    }

    [Fact]
    public void A_missing_or_empty_file_stops_start_up_naming_the_key()
    {
        var empty = Path.Combine(_folder.FullName, "empty.pem");
        File.WriteAllText(empty, "");

        Assert.StartsWith("Invalid configuration: ReplicaTls:CaFile: '", Assert.Throws<InvalidConfigurationException>(() => ReplicaTls.Authorities(Configuration(Path.Combine(_folder.FullName, "none.pem")))).Message);
        Assert.Equal($"Invalid configuration: ReplicaTls:CaFile: '{empty}' holds no PEM certificate.", Assert.Throws<InvalidConfigurationException>(() => ReplicaTls.Authorities(Configuration(empty))).Message);
    }

    private static bool Chains(X509ChainPolicy policy, X509Certificate2 certificate)
    {
        using var chain = new X509Chain { ChainPolicy = policy };
        return chain.Build(certificate);
    }

    private static IConfiguration Configuration(string? caFile) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [ReplicaTls.CaFileKey] = caFile }).Build();
}
