using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.UnitTests.ServiceDefaults;

/// <summary>Protected mode: a listener beyond loopback needs a key or the explicit opt-out, and says so.</summary>
public sealed class ProtectedModeTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5000", null, false)]
    [InlineData("http://localhost:5000;http://[::1]:5000", "", false)]
    [InlineData("http://0.0.0.0:5000", "key", false)]
    [InlineData("http://*:5000", null, true)]
    [InlineData("http://gateway.internal:5000", "key", true)]
    public void Loopback_a_key_or_the_opt_out_lets_it_start(string urls, string? apiKey, bool allowAnonymous) =>
        ProtectedMode.Enforce("the thing", "do things", ListenAddresses.Split(urls), apiKey, allowAnonymous);

    [Fact]
    public void Beyond_loopback_without_a_key_it_names_the_exposed_address_and_both_ways_out()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => ProtectedMode.Enforce(
            "the gateway's admin API", "add replicas", ["http://127.0.0.1:5000", "http://0.0.0.0:5001"], apiKey: "", allowAnonymous: false));

        Assert.StartsWith("Invalid configuration: Admin:ApiKey is empty, and the gateway's admin API listens beyond loopback (http://0.0.0.0:5001)", error.Message);
        Assert.DoesNotContain("127.0.0.1", error.Message);
        Assert.Contains("Set Admin:ApiKey", error.Message);
        Assert.Contains("Admin:AllowAnonymous=true", error.Message);
    }
}
