using Microsoft.Extensions.Configuration;
using Orleans.LoadBalancer.Gateway.Admin;
using Orleans.LoadBalancer.Gateway.Configuration;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Admin;

/// <summary>A reload rotates the admin key: the new one in, the old one out, and never a listener beyond loopback left without one.</summary>
public sealed class AdminKeyStoreTests
{
    [Fact]
    public void A_new_key_replaces_the_old_one_once_applied_and_the_log_line_holds_no_key()
    {
        var store = Store(new() { ["Urls"] = "http://127.0.0.1:5000", ["Admin:ApiKey"] = "old" });

        var reading = store.Read(Configuration(new() { ["Urls"] = "http://127.0.0.1:5000", ["Admin:ApiKey"] = "new" }));

        Assert.Empty(reading.Problems);
        Assert.Equal(["Admin:ApiKey: changed"], reading.Changes);
        Assert.True(store.Key!.Matches("Bearer old"));
        reading.Apply();
        Assert.True(store.Key!.Matches("Bearer new"));
        Assert.False(store.Key.Matches("Bearer old"));
    }

    [Fact]
    public void The_same_key_is_no_change()
    {
        var settings = new Dictionary<string, string?> { ["Urls"] = "http://127.0.0.1:5000", ["Admin:ApiKey"] = "same" };

        Assert.Empty(Store(settings).Read(Configuration(settings)).Changes);
    }

    [Fact]
    public void Removing_the_key_of_a_listener_beyond_loopback_is_refused_as_at_start_up()
    {
        var store = Store(new() { ["Urls"] = "http://0.0.0.0:5000", ["Admin:ApiKey"] = "kept" });

        var reading = store.Read(Configuration(new() { ["Urls"] = "http://0.0.0.0:5000" }));

        Assert.StartsWith("Admin:ApiKey is empty, and the gateway's admin API listens beyond loopback", Assert.Single(reading.Problems));
        Assert.True(store.Key!.Matches("Bearer kept"));
    }

    [Fact]
    public void The_opt_out_of_protected_mode_is_read_with_the_key()
    {
        var store = Store(new() { ["Urls"] = "http://0.0.0.0:5000", ["Admin:ApiKey"] = "k" });

        var reading = store.Read(Configuration(new() { ["Urls"] = "http://0.0.0.0:5000", ["Admin:AllowAnonymous"] = "true" }));
        reading.Apply();

        Assert.Equal(["Admin:ApiKey: removed"], reading.Changes);
        Assert.Null(store.Key);
    }

    [Theory]
    [InlineData("Admin:ApiKey", true)]
    [InlineData("Admin:AllowAnonymous", true)]
    [InlineData("Admin:Urls", false)]
    [InlineData("AllowedHosts", false)]
    [InlineData("Gateway:KeySources:0:Type", true)]
    [InlineData("Gateway:RequestIdHeader", false)]
    public void Which_settings_a_reload_applies(string key, bool live)
    {
        Assert.Equal(live, ReloadableSettings.IsLive(key));
    }

    private static AdminKeyStore Store(Dictionary<string, string?> settings) => new(AdminAccess.From(Configuration(settings)));

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
